using CliWrap;
using VmLab.Common;

namespace VmLab.Tests.Common;

public sealed class ContentKeyTests
{
    [Fact]
    public void The_key_depends_on_every_named_input_but_not_on_the_order_they_were_added()
    {
        var a = new ContentKey().Add("source", "abc").Add("toolchain", "gcc 12").ToString();
        var b = new ContentKey().Add("toolchain", "gcc 12").Add("source", "abc").ToString();
        var c = new ContentKey().Add("source", "abc").Add("toolchain", "gcc 13").ToString();

        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.Equal(16, a.Length);
    }

    [Fact]
    public void Values_cannot_slide_between_names()
    {
        var a = new ContentKey().Add("a", "bc").Add("d", "").Sha256();
        var b = new ContentKey().Add("a", "b").Add("d", "c").Sha256();

        Assert.NotEqual(a, b);
    }

    [Fact]
    public void Sha256_of_text_matches_the_published_test_vector()
    {
        // FIPS 180-2 example: sha256("abc").
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", Hashing.Sha256OfText("abc"));
    }
}

public sealed class AtomicFileTests
{
    [Fact]
    public void A_failed_write_leaves_the_previous_content_and_no_temporary_file()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-atomic-").FullName;
        var path = Path.Combine(dir, "results.json");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, temp =>
        {
            File.WriteAllText(temp, "half");
            throw new IOException("disk full");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["results.json"], Directory.GetFiles(dir).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_write_syncs_the_file_before_the_rename_and_the_directory_after_it()
    {
        // Observed from outside with strace: the file's fsync, the rename, then an fsync of the directory.
        var dir = Directory.CreateTempSubdirectory("vmlab-atomic-").FullName;
        var trace = Path.Combine(dir, "trace.txt");
        var target = Path.Combine(dir, "out.json");
        var reference = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).ResultsDir, "reference-2023");
        var probe = await Cli.Wrap("strace")
            .WithArguments(["-f", "-e", "trace=fsync,rename,renameat,renameat2,openat", "-o", trace,
                "dotnet", Path.Combine(AppContext.BaseDirectory, "VmLab.Cli.dll"), "compare", reference, reference, "--json", "--out", target])
            .WithValidation(CommandResultValidation.None)
            .ExecuteAsync(TestContext.Current.CancellationToken)
            .Task.ContinueWith(t => t.IsCompletedSuccessfully ? t.Result.ExitCode : -1, TaskScheduler.Default);
        Assert.SkipWhen(probe != 0 || !File.Exists(trace), "strace is not available here");

        var lines = File.ReadAllLines(trace);
        var rename = Array.FindIndex(lines, l => l.Contains("rename") && l.Contains("out.json.") && l.Contains(".tmp"));
        Assert.True(rename > 0, "no rename of a temporary file into out.json");
        Assert.Contains(lines[..rename], l => l.Contains("fsync("));
        var dirOpen = Array.FindIndex(lines, rename, l => l.Contains($"openat(AT_FDCWD, \"{dir}\""));
        Assert.True(dirOpen > rename, "the directory was not opened after the rename");
        Assert.Contains(lines[dirOpen..], l => l.Contains("fsync("));
    }
}

public sealed class LoggedCommandTests
{
    [Fact]
    public async Task A_failing_command_raises_a_lab_exception_with_the_log_tail_and_keeps_the_log()
    {
        var log = Path.Combine(Directory.CreateTempSubdirectory("vmlab-log-").FullName, "build.log");
        var command = Cli.Wrap("sh").WithArguments(["-c", "echo compiling; echo 'fatal: out of space' >&2; exit 3"]);

        var error = await Assert.ThrowsAsync<LabException>(() =>
            LoggedCommand.RunAsync(command, log, "the test build", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("exit code 3", error.Message);
        Assert.Contains("fatal: out of space", error.Message);
        Assert.NotNull(error.Next);
        var text = File.ReadAllText(log);
        Assert.Contains("compiling", text);
        Assert.Contains("# exit code 3", text);
    }

    [Fact]
    public async Task A_missing_program_says_to_install_the_prerequisites()
    {
        var log = Path.Combine(Directory.CreateTempSubdirectory("vmlab-log-").FullName, "x.log");

        var error = await Assert.ThrowsAsync<LabException>(() =>
            LoggedCommand.RunAsync(Cli.Wrap("vmlab-no-such-tool"), log, "probe", cancellationToken: TestContext.Current.CancellationToken));

        Assert.Contains("Prerequisites", error.Next);
    }

    [Fact]
    public async Task Every_line_reaches_the_observer()
    {
        var log = Path.Combine(Directory.CreateTempSubdirectory("vmlab-log-").FullName, "x.log");
        var lines = new List<string>();

        var outcome = await LoggedCommand.RunAsync(
            Cli.Wrap("sh").WithArguments(["-c", "printf 'a\\nb\\n'"]), log, "probe", line => { lock (lines) lines.Add(line); },
            cancellationToken: TestContext.Current.CancellationToken);

        Assert.Equal(0, outcome.ExitCode);
        Assert.Equal(["a", "b"], lines);
    }
}
