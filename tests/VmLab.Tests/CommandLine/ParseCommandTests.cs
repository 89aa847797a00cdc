using System.Text.Json;
using CliWrap.Buffered;
using VmLab.Tests.Suites;

namespace VmLab.Tests.CommandLine;

/// <summary>Runs the real <c>vmlab</c> executable (built beside the tests) as a user would.</summary>
public sealed class ParseCommandTests
{
    private static Task<BufferedCommandResult> Vmlab(params string[] args) => VmlabCli.RunAsync(args);

    [Theory]
    [InlineData("lab plan --profle smoke", "Unknown option 'profle'; did you mean --profile?", "vmlab lab plan --help")]
    [InlineData("parse-run results/x --frce", "Unknown option 'frce'; did you mean --force?", "vmlab parse-run --help")]
    [InlineData("report results/x extra", "Could not match 'extra' with an argument", "vmlab report --help")]
    [InlineData("report results/x --expected-length 278", "Unknown option 'expected-length' (it takes --last, --out, --reparse", "vmlab report --help")]
    [InlineData("repot results/x", "Unknown command 'repot'", "vmlab --help")]
    [InlineData("lab repot", "Unknown command 'repot'", "vmlab lab --help")]
    public async Task An_unknown_option_or_argument_is_refused_once_on_stderr_naming_the_help(string command, string error, string help)
    {
        // `vmlab lab plan --profle smoke` planned the default quick profile and exited 0 (issue 16, item 7); the
        // refusal then printed 28 lines of help to stdout, and an unknown command its error twice (issue 26, item 13).
        var run = await Vmlab(command.Split(' '));

        Assert.Equal(64, run.ExitCode);
        Assert.Equal("", run.StandardOutput);
        var lines = run.StandardError.TrimEnd('\n').Split('\n');
        Assert.Equal(2, lines.Length);
        Assert.StartsWith($"vmlab: {error}", lines[0]);
        Assert.Equal($"  next: see what it takes: {help}", lines[1]);
    }

    [Fact]
    public async Task The_vhost_off_ab_block_of_2023_is_reported_invalid_as_json()
    {
        var run = await Vmlab("parse", "ab", Fixture.Path("seed-2023", "q3-guest-vhost-off-ab.txt"), "--json");

        Assert.Equal(0, run.ExitCode);
        using var json = JsonDocument.Parse(run.StandardOutput);
        var root = json.RootElement;
        Assert.Equal(["suite", "metrics", "valid", "problems"], root.EnumerateObject().Select(p => p.Name));
        Assert.Equal("ab", root.GetProperty("suite").GetString());
        Assert.False(root.GetProperty("valid").GetBoolean());
        Assert.Equal(
            "100000 of 100000 responses were non-2xx: the document is missing on the server",
            root.GetProperty("problems").EnumerateArray().Single().GetString());
        Assert.Equal(151.84, root.GetProperty("metrics").GetProperty("requests_per_s").GetDouble());
    }

    [Fact]
    public async Task Text_values_stay_strings_in_json()
    {
        var run = await Vmlab("parse", "netperf", Fixture.Path("l0", "netperf-tcp-rr.txt"), "--json");

        using var json = JsonDocument.Parse(run.StandardOutput);
        var metrics = json.RootElement.GetProperty("metrics");
        Assert.Equal("TCP_RR", metrics.GetProperty("test").GetString());
        Assert.Equal(73590.98, metrics.GetProperty("transactions_per_s").GetDouble());
        Assert.True(json.RootElement.GetProperty("valid").GetBoolean());
    }

    [Fact]
    public async Task Expected_length_and_test_options_reach_the_parsers()
    {
        var ab = await Vmlab("parse", "ab", Fixture.Path("seed-2023", "q4-host-ab.txt"), "--json", "--expected-length", "278");
        var netperf = await Vmlab("parse", "netperf", Fixture.Path("l0", "netperf-tcp-maerts-p0.txt"), "--json", "--test", "TCP_MAERTS");

        Assert.Contains("expected 278 bytes", ab.StandardOutput);
        Assert.Contains("\"test\": \"TCP_MAERTS\"", netperf.StandardOutput);
    }

    [Theory]
    [InlineData("parse ab {ab} --test TCP_RR", "Unknown option 'test': ab takes --expected-length <BYTES>")]
    [InlineData("parse hackbench {ab} --expected-length 278", "Unknown option 'expected-length': hackbench takes no options of its own")]
    [InlineData("parse ab {ab} --expected-length lots", "--expected-length lots: expected a whole number of at least 0")]
    [InlineData("parse ab {ab} --expected-length 1 --expected-length 2", "--expected-length takes one value (--expected-length <BYTES>), got 2")]
    [InlineData("parse ab {ab} --expected-length", "--expected-length takes one value (--expected-length <BYTES>), got 0")]
    public async Task A_suite_takes_only_the_options_it_declares_with_values_they_accept(string command, string error)
    {
        var run = await Vmlab(command.Replace("{ab}", Fixture.Path("seed-2023", "q4-host-ab.txt"), StringComparison.Ordinal).Split(' '));

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("vmlab: " + error, run.StandardError);
        Assert.DoesNotContain("requests_per_s", run.StandardOutput);
    }

    [Fact]
    public async Task The_help_lists_every_option_the_suites_declare()
    {
        var run = await Vmlab("parse", "--help");
        var help = string.Join(' ', run.StandardOutput.Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));

        foreach (var suite in VmLab.Suites.SuiteRegistry.All)
        {
            foreach (var option in suite.Options)
            {
                Assert.Contains($"{suite.Id}: {option.Usage}:", help);
            }
        }

        Assert.Contains("ab: --expected-length <BYTES>:", help);
    }

    [Fact]
    public async Task Without_json_it_prints_validity_problems_and_a_metric_table_with_directions()
    {
        var run = await Vmlab("parse", "ab", Fixture.Path("seed-2023", "q4-baseline-ab.txt"));

        Assert.Equal(0, run.ExitCode);
        var lines = run.StandardOutput.Split('\n');
        Assert.EndsWith("q4-baseline-ab.txt: invalid", lines[0]);
        Assert.Equal("  problem: 100000 of 100000 responses were non-2xx: the document is missing on the server", lines[1]);
        Assert.Contains(lines, l => l.Contains("requests_per_s", StringComparison.Ordinal) && l.Contains("higher", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_truncated_file_exits_2_with_one_line_naming_the_file()
    {
        var text = File.ReadAllText(Fixture.Path("l0", "netperf-tcp-stream.txt"));
        var file = Path.Combine(Path.GetTempPath(), $"vmlab-truncated-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(file, text[..text.IndexOf("131072  16384", StringComparison.Ordinal)], TestContext.Current.CancellationToken);
        try
        {
            var run = await Vmlab("parse", "netperf", file, "--json");

            Assert.Equal(2, run.ExitCode);
            Assert.Equal("", run.StandardOutput);
            Assert.Equal(
                $"vmlab parse: {file}: not netperf output: the output stops after the TCP_STREAM header: the run was cut off before its result line",
                run.StandardError.TrimEnd());
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Theory]
    [InlineData("hackbench")]
    [InlineData("unixbench")]
    [InlineData("console")]
    public async Task A_binary_file_exits_2_with_one_line(string suite)
    {
        var run = await Vmlab("parse", suite, Path.Combine(AppContext.BaseDirectory, "VmLab.Cli.dll"));

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.EndsWith($"VmLab.Cli.dll: not {suite} output: the file is binary data, not text", line);
    }

    [Theory]
    [InlineData("netperf", "l0/netperf-closed-port.txt", "netperf failed: \"establish control: are you sure there is a netserver listening on 127.0.0.1 at port 12866?\"")]
    [InlineData("ab", "l0/ab-connection-refused.txt", "ab stopped before its summary: \"apr_socket_recv: Connection refused (111)\"")]
    [InlineData("hackbench", "l0/hackbench-error-ulimit-n16.txt", "hackbench failed: \"Creating fdpair (error: Too many open files)\"")]
    [InlineData("kernbench", "l0/kernbench-no-kernel-source.txt", "kernbench did not finish: \"No kernel source found; exiting\"")]
    [InlineData("unixbench", "seed-2023/q4-host-netperf-tcp-stream.txt", "no UnixBench index found")]
    public async Task A_tool_error_exits_2_with_one_line_saying_what_happened(string suite, string file, string reason)
    {
        var path = Fixture.Path(file.Split('/'));
        var run = await Vmlab("parse", suite, path);

        Assert.Equal(2, run.ExitCode);
        var line = Assert.Single(run.StandardError.TrimEnd().Split('\n'));
        Assert.StartsWith($"vmlab parse: {path}: not {suite} output: {reason}", line);
        Assert.DoesNotContain("   at ", run.StandardError);
    }

    [Fact]
    public async Task An_empty_or_missing_file_exits_2()
    {
        var empty = Path.Combine(Path.GetTempPath(), $"vmlab-empty-{Guid.NewGuid():N}.txt");
        await File.WriteAllTextAsync(empty, "", TestContext.Current.CancellationToken);
        try
        {
            var emptyRun = await Vmlab("parse", "kernbench", empty);
            var missingRun = await Vmlab("parse", "kernbench", empty + ".missing");

            Assert.Equal(2, emptyRun.ExitCode);
            Assert.Equal($"vmlab parse: {empty}: not kernbench output: the file is empty", emptyRun.StandardError.TrimEnd());
            Assert.Equal(2, missingRun.ExitCode);
            Assert.StartsWith($"vmlab parse: {empty}.missing: cannot read it", missingRun.StandardError);
        }
        finally
        {
            File.Delete(empty);
        }
    }

    [Fact]
    public async Task An_unknown_suite_is_a_usage_error_listing_the_suites()
    {
        var run = await Vmlab("parse", "lmbench", Fixture.Path("l0", "dmesg.txt"));

        Assert.Equal(64, run.ExitCode);
        Assert.Contains("unknown suite 'lmbench'", run.StandardOutput + run.StandardError);
        Assert.DoesNotContain("   at ", run.StandardOutput + run.StandardError);
    }
}
