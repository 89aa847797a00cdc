using System.Diagnostics;
using System.Globalization;
using VmLab.Common;

namespace VmLab.Tests.Bootstrap;

/// <summary>
/// Starts the real <c>build.sh</c> the way a script, nohup, cron or a CI runner does (in the background of a
/// non-interactive shell, so it enters with SIGINT ignored), with a fake <c>dotnet</c> first on PATH whose
/// <c>cake</c> plays a lab that runs until it is stopped and then saves its state. Nothing real is built.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class BuildScriptTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60); // a busy 2-core machine starts bash slowly

    private readonly string temp = Path.Combine(Path.GetTempPath(), "vmlab-tests", Guid.NewGuid().ToString("N"));

    // The stand-in for the SDK: `--version` and `tool restore` pass build.sh's checks; `cake` records its pid, then
    // waits to be stopped and, on TERM or INT, writes what stopped it and a "state saved" file, as vmlab saves its
    // ledger, and exits 128 + the signal.
    private const string FakeDotnet = """
        #!/usr/bin/env bash
        case "${1:-}" in
          --version) echo 10.0.100 ;;
          tool) ;;
          cake)
            stop() { echo "$1" > "$VMLAB_FAKE_STATE/stopped-by"; echo saved > "$VMLAB_FAKE_STATE/state-saved"; exit "$2"; }
            trap 'stop TERM 143' TERM
            trap 'stop INT 130' INT
            echo $$ > "$VMLAB_FAKE_STATE/lab-pid"
            while :; do sleep 0.1; done ;;
          *) echo "fake dotnet: unexpected arguments: $*" >&2; exit 2 ;;
        esac
        """;

    // `cmd &` in a non-interactive shell (no job control) starts cmd with SIGINT and SIGQUIT ignored: exactly how
    // `setsid nohup bash -c './build.sh ... > log 2>&1' &`, cron or a CI runner's step script start a build. The job
    // records the dispositions it entered with, then execs build.sh (same pid, same dispositions).
    private const string StartInBackground = """
        bash -c 'grep SigIgn /proc/$$/status > "$VMLAB_FAKE_STATE/entry-sigign"; exec "$0" "$@"' "$BUILD_SH" --target=Lab --profile=smoke > "$VMLAB_FAKE_STATE/log" 2>&1 &
        echo $! > "$VMLAB_FAKE_STATE/build-pid"
        wait $!
        echo $? > "$VMLAB_FAKE_STATE/rc"
        """;

    public void Dispose()
    {
        if (Directory.Exists(temp))
        {
            Directory.Delete(temp, recursive: true);
        }
    }

    [Theory]
    [InlineData("INT")]
    [InlineData("TERM")]
    public async Task A_build_started_in_the_background_by_a_script_stops_on_the_signal_and_saves_its_state(string signal)
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "reads signal dispositions from /proc");
        var ct = TestContext.Current.CancellationToken;
        var bin = Directory.CreateDirectory(Path.Combine(temp, "bin")).FullName;
        var dotnet = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(dotnet, FakeDotnet.ReplaceLineEndings("\n") + "\n", ct);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var start = new ProcessStartInfo("bash") { ArgumentList = { "-c", StartInBackground.ReplaceLineEndings("\n") } };
        start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        start.Environment["VMLAB_FAKE_STATE"] = temp;
        start.Environment["BUILD_SH"] = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "build.sh");
        start.Environment.Remove("VMLAB_SIGINT_RESTORED"); // set only inside a build.sh that restarted itself
        using var script = Process.Start(start)!;
        int? build = null;
        try
        {
            build = await WaitForFileAsync("build-pid", ct);
            var labPid = await WaitForFileAsync("lab-pid", ct);
            var entry = await File.ReadAllTextAsync(Path.Combine(temp, "entry-sigign"), ct);
            Assert.True(IsIgnored(entry, 2), $"the premise: build.sh entered with SIGINT ignored ({entry.Trim()})");

            Assert.Equal(0, Send(signal, build.Value));

            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(Patience);
            try
            {
                await script.WaitForExitAsync(deadline.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                Assert.Fail($"build.sh was still running {Patience.TotalSeconds} s after SIG{signal}; its log:\n{Log()}");
            }

            Assert.Equal("TERM", (await File.ReadAllTextAsync(Path.Combine(temp, "stopped-by"), ct)).Trim()); // build.sh forwards TERM to the build's group
            Assert.True(File.Exists(Path.Combine(temp, "state-saved")), "the lab did not save its state");
            Assert.NotEqual("0", (await File.ReadAllTextAsync(Path.Combine(temp, "rc"), ct)).Trim());
            Assert.False(Directory.Exists($"/proc/{labPid}"), $"the lab (pid {labPid}) outlived build.sh");
        }
        finally
        {
            // Clean up what this test started: build.sh forwards TERM to its job, which then exits.
            if (!script.HasExited && build is { } pid)
            {
                Send("TERM", pid);
                script.WaitForExit(Patience);
            }

            if (!script.HasExited)
            {
                script.Kill(entireProcessTree: true);
            }
        }
    }

    [Theory]
    [InlineData("26.18a --profile without a value", new[] { "--target=LabPlan", "--profile" }, 1, "Error: --profile is given without a value, so its default would be used silently; give one: --profile=smoke|quick|full.")]
    [InlineData("26.18b --configuration=Relase", new[] { "--target=LabPlan", "--configuration=Relase" }, 1, "Error: --configuration=Relase is not a configuration VmLab builds; use --configuration=Release|Debug.")]
    [InlineData("26.18c --profile twice", new[] { "--target=LabPlan", "--profile=smoke", "--profile=full" }, 1, "Error: --profile is given 2 times (smoke, full); give it once: --profile=smoke|quick|full.")]
    [InlineData("26.18d --target without a value", new[] { "--target" }, 1, "Error: --target is given without a value, so its default would be used silently; give one: --target=VALUE.")]
    [InlineData("26.18e --profile= (Cake's own refusal, said on stderr)", new[] { "--target=LabPlan", "--profile=" }, 64, "build.sh: --profile= has no value after '='; give one (e.g. --profile=VALUE), or leave the option out.")]
    public async Task A_missing_repeated_or_unknown_option_value_is_refused_on_stderr_before_anything_builds(string name, string[] arguments, int exitCode, string error)
    {
        // The real build.sh and Cake: `--profile` alone ran the default plan, --configuration=Relase built into
        // bin/Relase, and of two --profile the last won (issue 26, item 18). Setup refuses before BuildCli runs.
        var root = RepoPaths.Find(AppContext.BaseDirectory).Root;
        var stray = Path.Combine(root, "src", "VmLab.Cli", "bin", "Relase");
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(root, "build.sh"), .. arguments])
        {
            start.ArgumentList.Add(argument);
        }

        using var build = Process.Start(start)!;
        var stdout = build.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var stderr = build.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        await build.WaitForExitAsync(TestContext.Current.CancellationToken);

        Assert.True(exitCode == build.ExitCode, $"{name}: exit {build.ExitCode}, not {exitCode}; stderr: {await stderr}");
        Assert.Equal(error, (await stderr).Trim());
        Assert.DoesNotContain("Estimated duration", await stdout);
        Assert.DoesNotContain("BuildCli", await stdout); // no task ran
        Assert.False(Directory.Exists(stray), $"{name}: {stray} was created");
    }

    [Fact]
    public async Task A_flag_given_alone_reaches_vmlab_as_given()
    {
        // The real build.sh, Cake and vmlab: `--json` alone reached Cake without a value, which the forwarding read as
        // false and dropped, so the plan came out as text (as did --reparse, --offline and --cross-checks alone).
        var root = RepoPaths.Find(AppContext.BaseDirectory).Root;
        async Task<string> Plan(string json)
        {
            var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in (string[])[Path.Combine(root, "build.sh"), "--target=LabPlan", "--profile=smoke", "--shards=2", json])
            {
                start.ArgumentList.Add(argument);
            }

            using var build = Process.Start(start)!;
            var stdout = build.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = build.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await build.WaitForExitAsync(TestContext.Current.CancellationToken);
            Assert.True(build.ExitCode == 0, $"build.sh {json}: exit {build.ExitCode}; stderr: {await stderr}");
            return await stdout;
        }

        Assert.Contains("\n{", await Plan("--json"), StringComparison.Ordinal);
        Assert.Contains("\n{", await Plan("--json=true"), StringComparison.Ordinal);
        Assert.DoesNotContain("\n{", await Plan("--json=false"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Two_builds_started_at_once_take_turns_at_dotnet_tool_restore()
    {
        // 26.20: two ./build.sh on a cold NuGet cache: the second failed at once, "cake.tool.7.0.0.nupkg … used by another
        // process". Now the second waits for the first's restore, saying so, and both go on. The stand-in dotnet's
        // restore records when it starts and ends and holds on until the test lets it finish.
        var ct = TestContext.Current.CancellationToken;
        var bin = Directory.CreateDirectory(Path.Combine(temp, "bin")).FullName;
        var dotnet = Path.Combine(bin, "dotnet");
        await File.WriteAllTextAsync(dotnet, """
            #!/usr/bin/env bash
            case "${1:-}" in
              --version) echo 10.0.100 ;;
              tool) echo "start $PPID" >> "$VMLAB_FAKE_STATE/restores"
                    for _ in $(seq 600); do [[ -e "$VMLAB_FAKE_STATE/finish" ]] && break; sleep 0.1; done
                    echo "end $PPID" >> "$VMLAB_FAKE_STATE/restores" ;;
              cake) ;;
              *) exit 2 ;;
            esac
            """.ReplaceLineEndings("\n") + "\n", ct);
        File.SetUnixFileMode(dotnet, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Process Start(string log)
        {
            var start = new ProcessStartInfo("bash") { ArgumentList = { "-c", $"exec \"$BUILD_SH\" --target=Test > {log}.out 2> {log}.err" } };
            start.Environment["PATH"] = bin + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
            start.Environment["VMLAB_FAKE_STATE"] = temp;
            start.Environment["NUGET_PACKAGES"] = Path.Combine(temp, "nuget", "packages"); // the lock sits beside it
            start.Environment["BUILD_SH"] = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "build.sh");
            return Process.Start(start)!;
        }

        async Task<Process> StartSecondAsync()
        {
            await WaitUntilAsync(() => File.Exists(Path.Combine(temp, "restores")), "the first build's restore to start", ct);
            return Start(Path.Combine(temp, "second"));
        }

        var restores = Path.Combine(temp, "restores");
        var secondErr = Path.Combine(temp, "second.err");
        using var first = Start(Path.Combine(temp, "first"));
        using var second = await StartSecondAsync();
        try
        {
            await WaitUntilAsync(() => File.Exists(secondErr) && File.ReadAllText(secondErr).Contains("waiting for it to finish", StringComparison.Ordinal), "the second build to wait", ct);
            Assert.Single(File.ReadAllLines(restores)); // the second has not started its restore

            await File.WriteAllTextAsync(Path.Combine(temp, "finish"), "", ct);
            await first.WaitForExitAsync(ct);
            await second.WaitForExitAsync(ct);
        }
        finally
        {
            File.WriteAllText(Path.Combine(temp, "finish"), ""); // lets a waiting stand-in end
            foreach (var build in new[] { first, second }.Where(b => !b.HasExited))
            {
                build.Kill(entireProcessTree: true);
            }
        }

        Assert.Equal((0, 0), (first.ExitCode, second.ExitCode));
        Assert.Equal(["start", "end", "start", "end"], File.ReadAllLines(restores).Select(l => l.Split(' ')[0]));
        Assert.Equal(
            $"build.sh: another build is restoring the .NET tools into {Path.Combine(temp, "nuget", "packages")} (dotnet tool restore); waiting for it to finish…",
            File.ReadAllText(Path.Combine(temp, "second.err")).Trim());
    }

    private static async Task WaitUntilAsync(Func<bool> condition, string what, CancellationToken ct)
    {
        var stopwatch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(stopwatch.Elapsed < Patience, $"waited {Patience.TotalSeconds} s for {what}");
            await Task.Delay(50, ct);
        }
    }

    private async Task<int> WaitForFileAsync(string name, CancellationToken ct)
    {
        var path = Path.Combine(temp, name);
        var stopwatch = Stopwatch.StartNew();
        while (!File.Exists(path) || new FileInfo(path).Length == 0)
        {
            Assert.True(stopwatch.Elapsed < Patience, $"the fake lab did not start within {Patience.TotalSeconds} s; build.sh's log:\n{Log()}");
            await Task.Delay(50, ct);
        }

        return int.Parse(await File.ReadAllTextAsync(path, ct), CultureInfo.InvariantCulture);
    }

    private string Log() => File.Exists(Path.Combine(temp, "log")) ? File.ReadAllText(Path.Combine(temp, "log")) : "(none)";

    // "SigIgn:\t0000000000000006": a hexadecimal mask, bit n-1 for signal n.
    private static bool IsIgnored(string sigIgnLine, int signal) =>
        (ulong.Parse(sigIgnLine.Split(':')[1].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & (1UL << (signal - 1))) != 0;

    private static int Send(string signal, int pid)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-s", signal, pid.ToString(CultureInfo.InvariantCulture) } })!;
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
