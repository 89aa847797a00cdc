using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Tests.Rootfs;

/// <summary>
/// Runs the image side of docs/PROTOCOL.md — the real rootfs/overlay/common/usr/lib/vmlab/protocol.sh — with
/// L0's /bin/sh (dash on Debian, the same shell as in the images) and reads its console output back.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class ProtocolShellTests
{
    private static readonly string Library = Path.Combine(RootfsTestTree.RealDirectory, "overlay", "common", "usr", "lib", "vmlab", "protocol.sh");

    [GeneratedRegex(@"^@@VMLAB:(?<kind>[A-Z]+) (?<body>.*)@@$")]
    private static partial Regex Marker();

    private static async Task<(string Stdout, int ExitCode)> Sh(string script, string workDir)
    {
        var result = await Cli.Wrap("/bin/sh")
            .WithArguments(["-c", $". '{Library}'\n{script}"])
            .WithWorkingDirectory(workDir)
            .WithEnvironmentVariables(new Dictionary<string, string?> { ["VMLAB_CONSOLE"] = null, ["VMLAB_LAYER"] = "l2" })
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        return (result.StandardOutput, result.ExitCode);
    }

    /// <summary>A BEGIN/END block read back the way the lab must: size and sha256 checked, base64 decoded.</summary>
    private sealed record Block(string Name, long Size, string Sha256, byte[] Content, int LongestLine);

    private static List<Block> Blocks(string console)
    {
        var blocks = new List<Block>();
        var lines = console.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var m = Regex.Match(lines[i], @"^@@VMLAB:BEGIN (?<name>\S+) size=(?<size>\d+) sha256=(?<sha>[0-9a-f]{64})@@$");
            if (!m.Success)
            {
                continue;
            }

            var name = m.Groups["name"].Value;
            var body = new StringBuilder();
            var longest = 0;
            for (i++; lines[i] != $"@@VMLAB:END {name}@@"; i++)
            {
                body.Append(lines[i]);
                longest = Math.Max(longest, lines[i].Length);
            }

            blocks.Add(new Block(name, long.Parse(m.Groups["size"].Value), m.Groups["sha"].Value, Convert.FromBase64String(body.ToString()), longest));
        }

        return blocks;
    }

    [Fact]
    public async Task A_file_block_carries_the_file_verbatim_with_its_size_and_sha256()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;
        // Binary content with every byte value, long enough for several base64 lines.
        var content = Enumerable.Range(0, 1000).Select(i => (byte)((i * 131) % 256)).ToArray();
        await File.WriteAllBytesAsync(Path.Combine(dir, "raw.bin"), content, TestContext.Current.CancellationToken);

        var (console, rc) = await Sh("vmlab_send_file hackbench/1.txt raw.bin", dir);

        Assert.Equal(0, rc);
        var block = Assert.Single(Blocks(console));
        Assert.Equal("hackbench/1.txt", block.Name);
        Assert.Equal(content, block.Content);
        Assert.Equal(content.Length, block.Size);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(content)), block.Sha256);
        Assert.Equal(76, block.LongestLine);
        Assert.All(console.TrimEnd('\n').Split('\n').Where(l => l.StartsWith('@')), l => Assert.Matches(Marker(), l));
    }

    [Fact]
    public async Task Vmlab_run_sends_the_output_then_the_status_with_the_command_s_exit_code()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;

        var (console, rc) = await Sh("VMLAB_OUT=$PWD/out; vmlab_run netperf/2 sh -c 'echo MIGRATED TCP STREAM; echo oops >&2; exit 3'; echo \"rc=$?\"; vmlab_done 0", dir);

        Assert.Equal(0, rc);
        var block = Assert.Single(Blocks(console));
        Assert.Equal("netperf/2.txt", block.Name);
        Assert.Equal("MIGRATED TCP STREAM\noops\n", Encoding.ASCII.GetString(block.Content));
        Assert.Matches(@"(?m)^@@VMLAB:STATUS netperf/2 rc=3 seconds=\d+\.\d\d@@$", console);
        Assert.Contains("\nrc=3\n", console);
        Assert.EndsWith("@@VMLAB:DONE rc=0@@\n", console);
        Assert.True(console.IndexOf("@@VMLAB:END netperf/2.txt@@", StringComparison.Ordinal) < console.IndexOf("@@VMLAB:STATUS", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_empty_file_is_an_empty_block_not_a_missing_one()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;
        await File.WriteAllBytesAsync(Path.Combine(dir, "empty"), [], TestContext.Current.CancellationToken);

        var (console, _) = await Sh("vmlab_send_file dmesg/empty.txt empty", dir);

        var block = Assert.Single(Blocks(console));
        Assert.Equal(0, block.Size);
        Assert.Empty(block.Content);
        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", block.Sha256);
    }

    [Theory]
    [InlineData("../escape.txt")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    [InlineData("has space.txt")]
    public async Task Names_that_could_escape_the_run_folder_are_refused_in_the_vm(string name)
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;
        await File.WriteAllTextAsync(Path.Combine(dir, "f"), "x", TestContext.Current.CancellationToken);

        var (console, rc) = await Sh($"vmlab_send_file '{name}' f", dir);

        Assert.Equal(2, rc);
        Assert.DoesNotContain("@@VMLAB:BEGIN", console);
    }

    [Fact]
    public async Task Ready_and_the_facts_the_lab_records_are_one_line_each()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;

        var (console, rc) = await Sh("vmlab_ready; vmlab_facts; vmlab_fact multi \"$(printf 'a\\nb')\"", dir);

        Assert.Equal(0, rc);
        var markers = console.TrimEnd('\n').Split('\n').Select(l => Marker().Match(l)).ToList();
        Assert.All(markers, m => Assert.True(m.Success));
        Assert.Matches(@"^layer=l2 uptime=\d+\.\d\d$", markers[0].Groups["body"].Value);
        var facts = markers.Skip(1).Select(m => m.Groups["body"].Value).ToDictionary(b => b[..b.IndexOf('=')], b => b[(b.IndexOf('=') + 1)..]);
        Assert.Equal(["uname", "cmdline", "nproc", "memtotal_kb", "thp", "multi"], facts.Keys);
        Assert.StartsWith("Linux ", facts["uname"]);
        Assert.Equal(Environment.ProcessorCount.ToString(), facts["nproc"]);
        Assert.True(long.Parse(facts["memtotal_kb"]) > 0);
        Assert.Contains("[", facts["thp"]); // e.g. "always [madvise] never"
        Assert.Equal("a b", facts["multi"]);
    }

    [Fact]
    public async Task Markers_go_to_the_console_file_when_init_sets_one()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-proto-").FullName;

        var (stdout, _) = await Sh("VMLAB_CONSOLE=$PWD/console; echo noise; vmlab_done 7", dir);

        Assert.Equal("noise\n", stdout);
        Assert.Equal("@@VMLAB:DONE rc=7@@\n", await File.ReadAllTextAsync(Path.Combine(dir, "console"), TestContext.Current.CancellationToken));
    }

    [Theory]
    [InlineData("overlay/common/usr/sbin/vmlab-init")]
    [InlineData("overlay/common/usr/lib/vmlab/protocol.sh")]
    [InlineData("customize.sh")]
    public async Task The_image_s_shell_scripts_parse_with_sh(string script)
    {
        var result = await Cli.Wrap("/bin/sh").WithArguments(["-n", Path.Combine(RootfsTestTree.RealDirectory, script)])
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(TestContext.Current.CancellationToken);

        Assert.True(result.ExitCode == 0, result.StandardError);
    }

    [Fact]
    public void The_init_is_pid_1_of_both_images_and_the_layers_get_the_study_s_addresses()
    {
        var overlay = Path.Combine(RootfsTestTree.RealDirectory, "overlay");
        var init = new FileInfo(Path.Combine(overlay, "common", "usr", "sbin", "init"));

        Assert.Equal("vmlab-init", init.LinkTarget);
        Assert.True(File.GetUnixFileMode(Path.Combine(overlay, "common", "usr", "sbin", "vmlab-init")).HasFlag(UnixFileMode.UserExecute));
        Assert.Contains("VMLAB_LAYER=l1\n", File.ReadAllText(Path.Combine(overlay, "host", "etc", "vmlab", "image.conf")));
        Assert.Contains("VMLAB_ADDRESS=192.168.0.101/24\n", File.ReadAllText(Path.Combine(overlay, "host", "etc", "vmlab", "image.conf")));
        Assert.Contains("VMLAB_ADDRESS=192.168.0.105/24\n", File.ReadAllText(Path.Combine(overlay, "guest", "etc", "vmlab", "image.conf")));
    }
}
