using System.Text;
using CliWrap.Buffered;
using CliWrap;
using VmLab.Common;
using VmLab.Lab.Network;
using VmLab.Lab.Vm;
using VmLab.Suites;
using VmLab.Tests.Suites;

namespace VmLab.Tests.Lab;

/// <summary>The argument lists, without creating anything (no root needed).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientNetworkCommandTests
{
    private static readonly ClientNetwork Network = new("vmlab-0123456789", "vmlab0", "/a/client/k/root", "/run/vmlab/netns/vmlab-0123456789.pid", _ => { });

    [Fact]
    public void The_namespace_is_named_from_a_short_hash_of_the_run_id()
    {
        var name = ClientNetwork.NameFor("2026-11-29T0400Z-quick");

        Assert.Matches("^vmlab-[0-9a-f]{10}$", name);
        Assert.Equal(name, ClientNetwork.NameFor("2026-11-29T0400Z-quick"));
        Assert.NotEqual(name, ClientNetwork.NameFor("2026-11-29T0401Z-quick"));
    }

    [Fact]
    public void Wrap_runs_any_argument_list_or_CliWrap_command_inside_the_namespace()
    {
        Assert.Equal(
            ["ip", "netns", "exec", "vmlab-0123456789", "qemu-system-aarch64", "-nodefaults", "-append", "console=ttyAMA0 root=/dev/vda"],
            Network.Wrap(["qemu-system-aarch64", "-nodefaults", "-append", "console=ttyAMA0 root=/dev/vda"]));

        var qemu = new QemuCommand().WithNetwork(new TapNetwork(Network.Tap, Vhost: false)).ToCliWrap()
            .WithEnvironmentVariables(e => e.Set("TMPDIR", "/var/tmp"));
        var wrapped = Network.Wrap(qemu);

        Assert.Equal("ip", wrapped.TargetFilePath);
        Assert.StartsWith("netns exec vmlab-0123456789 qemu-system-aarch64 -nodefaults -no-user-config", wrapped.Arguments);
        Assert.Contains("-netdev tap,id=net0,ifname=vmlab0,script=no,downscript=no,vhost=off", wrapped.Arguments);
        Assert.Equal("/var/tmp", wrapped.EnvironmentVariables["TMPDIR"]);
        Assert.Equal(CommandResultValidation.None, wrapped.Validation);
    }

    [Fact]
    public void A_client_runs_with_a_clean_environment_in_its_own_session_in_the_namespace_in_the_client_root_with_its_own_proc()
    {
        Assert.Equal(
            [
                "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/root", "LC_ALL=C",
                "setsid", "--wait", "ip", "netns", "exec", "vmlab-0123456789",
                "/bin/sh", "-c", "mount -t proc -o ro,nosuid,nodev,noexec proc \"$0/proc\" && exec chroot \"$0\" /bin/sh -c \"$1\"",
                "/a/client/k/root", "exec 2>&1; netperf -H 192.168.0.105 -t TCP_RR -l 30",
            ],
            Network.ClientArguments("netperf -H 192.168.0.105 -t TCP_RR -l 30"));
    }

    [Fact]
    public void Proc_stat_fields_are_counted_after_the_command_name_which_may_hold_spaces_and_parentheses()
    {
        var stat = ProcStat.Parse("4242 (a b) c)) S 17 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10 18446744073709551615");

        Assert.Equal(new ProcStat(4242, 'S', 17, 4242, 987654, CpuTicks: 3), stat);
        Assert.Equal(Environment.ProcessId, ProcStat.Read(Environment.ProcessId)!.Pid);
        Assert.True(NamespaceOwner.Current.IsAlive);
        Assert.False((NamespaceOwner.Current with { StartTime = NamespaceOwner.Current.StartTime + 1 }).IsAlive);
    }

    [Fact]
    public void The_public_parent_pid_is_the_one_proc_stat_reads()
    {
        // The CLI's ParentWatch reads it (ProcInfo, over ProcStat): a child started here has this process as its parent.
        using var child = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            Assert.Equal(Environment.ProcessId, ProcInfo.ParentPid(child.Id));
            Assert.Equal(ProcStat.Read(Environment.ProcessId)!.ParentPid, ProcInfo.ParentPid(Environment.ProcessId));
            Assert.Null(ProcInfo.ParentPid(int.MaxValue));
        }
        finally
        {
            child.Kill();
            child.WaitForExit();
        }
    }
}

/// <summary>The real outputs of clients run in a namespace from the client root (fixtures/l0/client/), read by the lab's parsers.</summary>
public sealed class ClientOutputFixtureTests
{
    [Theory]
    [InlineData("netperf-tcp-rr.txt", "TCP_RR", "transactions_per_s", 49124.99)]
    [InlineData("netperf-tcp-stream.txt", "TCP_STREAM", "throughput_mbps", 9351.99)]
    public void Netperf_in_the_namespace_parses_as_a_valid_result(string file, string test, string metric, double value)
    {
        var result = new NetperfParser().Recognised(Fixture.Read("l0", "client", file));

        Assert.True(result.Valid);
        Assert.Equal(test, result.Metrics["test"].Text);
        Assert.Equal(value, result.Number(metric));
    }

    [Fact]
    public void Netperf_without_a_netserver_is_no_result()
    {
        var reason = new NetperfParser().Unrecognised(Fixture.Read("l0", "client", "netperf-no-netserver.txt"));

        Assert.Contains("establish control", reason);
    }

    [Fact]
    public void Ab_with_its_progress_lines_interleaved_parses_and_checks_the_document_length()
    {
        var text = Fixture.Read("l0", "client", "ab-n200-c10-document.txt");
        var parser = new ApacheBenchParser();

        var result = parser.Recognised(text, ParseContext.None.With(ApacheBenchParser.ExpectedLength, 41288));

        Assert.True(result.Valid);
        Assert.Equal(200, result.Number("complete_requests"));
        Assert.Equal(726.80, result.Number("requests_per_s"));
        Assert.False(parser.Recognised(text, ParseContext.None.With(ApacheBenchParser.ExpectedLength, 278)).Valid);
    }
}

/// <summary>
/// Real namespaces on this machine (root). The client root is L0's own / where the test only needs a shell, and the
/// built client root for netperf and ab.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientNetworkTests
{
    private static CancellationToken Token => TestContext.Current.CancellationToken;

    private static async Task<string> IpAsync(params string[] arguments) =>
        (await Cli.Wrap("ip").WithArguments(arguments).ExecuteBufferedAsync(Token)).StandardOutput;

    /// <summary>The namespace's listening TCP sockets (L0's ss, run inside it).</summary>
    private static async Task<string> ListenersAsync(ClientNetwork network) =>
        await IpAsync("netns", "exec", network.Name, "ss", "-H", "-l", "-t", "-n");

    [Fact]
    public async Task The_namespace_holds_only_lo_and_the_tap_with_192_168_0_1_and_no_route_out()
    {
        L0Network.RequireRoot();
        var options = L0Network.Options();
        var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", options, Token);
        try
        {
            Assert.True(NamespaceSweep.Exists(network.Name));
            var links = (await IpAsync("-n", network.Name, "-o", "link", "show")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(["lo", "vmlab0"], links.Select(l => l.Split(':')[1].Trim()));
            Assert.Contains("tun", await IpAsync("-n", network.Name, "-d", "link", "show", "vmlab0"));
            Assert.Contains("inet 192.168.0.1/24", await IpAsync("-n", network.Name, "-4", "-o", "address", "show", "dev", "vmlab0"));
            Assert.Equal("", (await IpAsync("-n", network.Name, "route", "show", "default")).Trim());
            Assert.DoesNotContain("default", await IpAsync("-n", network.Name, "route", "show", "table", "all"));
            Assert.DoesNotContain("veth", await IpAsync("-n", network.Name, "-d", "-o", "link", "show"));
            Assert.Equal(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture), File.ReadLines(network.PidFile).First());
        }
        finally
        {
            await network.DisposeAsync();
        }

        Assert.False(NamespaceSweep.Exists(network.Name));
        Assert.DoesNotContain(network.Name, await IpAsync("netns", "list"));
        Assert.False(File.Exists(network.PidFile));
        Assert.DoesNotContain("vmlab0", await IpAsync("-o", "link", "show")); // the tap went with the namespace, not to the machine's own network
        await network.DisposeAsync(); // twice is harmless
    }

    [Fact]
    public async Task A_process_started_with_Wrap_sees_the_namespace_s_network()
    {
        L0Network.RequireRoot();
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", L0Network.Options(), Token);

        var argv = network.Wrap(["ip", "-o", "-4", "address", "show"]);
        var inside = (await Cli.Wrap(argv[0]).WithArguments(argv.Skip(1)).ExecuteBufferedAsync(Token)).StandardOutput;
        var wrapped = (await network.Wrap(Cli.Wrap("ip").WithArguments(["-o", "link", "show"])).ExecuteBufferedAsync(Token)).StandardOutput;

        Assert.Contains("192.168.0.1/24", inside);
        Assert.Equal(2, inside.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length); // lo's 127.0.0.1 and the tap's
        Assert.Contains("vmlab0", wrapped);
    }

    [Fact]
    public async Task A_client_s_stdout_and_stderr_come_back_interleaved_as_raw_bytes_with_its_exit_code()
    {
        L0Network.RequireRoot();
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", L0Network.Options(), Token);

        var run = await network.RunClientAsync("echo one; echo two >&2; printf 'three\\377\\n'; ls /no-such-file; exit 3", TimeSpan.FromSeconds(30), Token);

        Assert.Equal(3, run.ExitCode);
        Assert.False(run.TimedOut);
        Assert.Equal(
            [.. "one\ntwo\nthree"u8, 0xFF, (byte)'\n', .. "ls: cannot access '/no-such-file': No such file or directory\n"u8],
            run.Output);
        Assert.StartsWith(
            "env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C setsid --wait ip netns exec " + network.Name
            + " /bin/sh -c 'mount -t proc -o ro,nosuid,nodev,noexec proc \"$0/proc\" && exec chroot \"$0\" /bin/sh -c \"$1\"' / ",
            run.Command);
        Assert.InRange(run.Duration, TimeSpan.Zero, TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task A_client_past_its_timeout_is_killed_with_everything_it_started_and_exits_124()
    {
        L0Network.RequireRoot();
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", L0Network.Options(), Token);
        var marker = $"{Random.Shared.Next(1000, 9999)}.{Random.Shared.Next(100, 999)}"; // sleep's argument: unique on this machine

        var run = await network.RunClientAsync($"echo started; sleep {marker} & sleep {marker}; echo never", TimeSpan.FromSeconds(1), Token);

        Assert.Equal(ClientRun.TimeoutExitCode, run.ExitCode);
        Assert.True(run.TimedOut);
        Assert.Equal("started\n", run.Text);
        Assert.InRange(run.Duration, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(15));
        Assert.True(await L0Network.EventuallyAsync(() => Task.FromResult(L0Network.ProcessesWithArgument(marker).Count == 0), 5),
            $"still running after the timeout: {string.Join(", ", L0Network.ProcessesWithArgument(marker))}");
        Assert.Equal("", (await IpAsync("netns", "pids", network.Name)).Trim());
    }

    [Fact]
    public async Task Cancelling_a_client_kills_it_and_throws()
    {
        L0Network.RequireRoot();
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", L0Network.Options(), Token);
        var marker = $"{Random.Shared.Next(1000, 9999)}.{Random.Shared.Next(100, 999)}";
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Token);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(700));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => network.RunClientAsync($"sleep {marker}", TimeSpan.FromMinutes(5), cancel.Token));

        Assert.True(await L0Network.EventuallyAsync(() => Task.FromResult(L0Network.ProcessesWithArgument(marker).Count == 0), 5));
    }

    [Fact]
    public async Task The_same_run_id_cannot_take_a_namespace_its_live_owner_still_holds()
    {
        L0Network.RequireRoot();
        var options = L0Network.Options();
        var runId = L0Network.NewRunId();
        await using var first = await ClientNetwork.CreateAsync(runId, "/", options, Token);

        var error = await Assert.ThrowsAsync<LabException>(() => ClientNetwork.CreateAsync(runId, "/", options, Token));

        Assert.Contains($"is in use by process {Environment.ProcessId}", error.Message);
        Assert.True(NamespaceSweep.Exists(first.Name));
    }

    [Fact]
    public async Task Dispose_kills_what_still_runs_inside_then_removes_the_namespace()
    {
        L0Network.RequireRoot();
        var log = new StringBuilder();
        var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", L0Network.Options(log), Token);
        var marker = $"{Random.Shared.Next(1000, 9999)}.{Random.Shared.Next(100, 999)}";
        var argv = network.Wrap(["sleep", marker]); // stands for QEMU left running after an error
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var leftover = Cli.Wrap(argv[0]).WithArguments(argv.Skip(1)).WithValidation(CommandResultValidation.None).ExecuteAsync(stop.Token);
        try
        {
            await L0Network.WaitUntilInsideAsync(network, leftover.ProcessId);

            await network.DisposeAsync();

            Assert.Equal(137, (await L0Network.ExitedAsync(leftover, "the process left inside, after the namespace was removed")).ExitCode); // SIGKILL
            Assert.Empty(L0Network.ProcessesWithArgument(marker));
            Assert.False(NamespaceSweep.Exists(network.Name));
            Assert.Contains($"network namespace {network.Name}: killed 1 process(es) still inside", log.ToString());
        }
        finally
        {
            await L0Network.StopAsync(stop, leftover);
            await network.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_namespace_whose_owner_was_killed_is_swept_by_the_next_create_and_a_live_owner_s_is_kept()
    {
        L0Network.RequireRoot();
        var log = new StringBuilder();
        var options = L0Network.Options(log);
        // The owner is a child process here, so the test can SIGKILL it: a vmlab run dying without disposing.
        using var ownerKill = CancellationTokenSource.CreateLinkedTokenSource(Token);
        var owner = Cli.Wrap("sleep").WithArguments("600").WithValidation(CommandResultValidation.None).ExecuteAsync(ownerKill.Token);
        using var stopOrphan = CancellationTokenSource.CreateLinkedTokenSource(Token);
        ClientNetwork? crashed = null;
        CommandTask<CommandResult>? orphan = null;
        try
        {
            crashed = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", options with { Owner = NamespaceOwner.Of(owner.ProcessId) }, Token);
            var marker = $"{Random.Shared.Next(1000, 9999)}.{Random.Shared.Next(100, 999)}";
            var argv = crashed.Wrap(["sleep", marker]); // the dead run's QEMU, still holding the namespace
            orphan = Cli.Wrap(argv[0]).WithArguments(argv.Skip(1)).WithValidation(CommandResultValidation.None).ExecuteAsync(stopOrphan.Token);
            await using var alive = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", options, Token);
            await L0Network.WaitUntilInsideAsync(crashed, orphan.ProcessId);

            ownerKill.Cancel(); // SIGKILL, no dispose
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await L0Network.ExitedAsync(owner, "the owner, after SIGKILL"));
            Assert.True(NamespaceSweep.Exists(crashed.Name));

            await using var next = await ClientNetwork.CreateAsync(L0Network.NewRunId(), "/", options, Token);

            Assert.False(NamespaceSweep.Exists(crashed.Name));
            Assert.False(File.Exists(crashed.PidFile));
            Assert.Equal(137, (await L0Network.ExitedAsync(orphan, "the orphan, after its namespace was swept")).ExitCode);
            Assert.Contains($"sweeping network namespace {crashed.Name}: its owner (pid {owner.ProcessId}) is gone", log.ToString());
            Assert.True(NamespaceSweep.Exists(alive.Name));
            Assert.Empty(await NamespaceSweep.SweepAsync(options.StateDirectory, cancellationToken: Token));
            Assert.True(NamespaceSweep.Exists(next.Name));
        }
        finally
        {
            if (orphan is not null)
            {
                await L0Network.StopAsync(stopOrphan, orphan);
            }

            await L0Network.StopAsync(ownerKill, owner);
            if (crashed is not null)
            {
                await crashed.DisposeAsync(); // swept already when the test passed
            }
        }
    }

    [Fact]
    public async Task Netperf_from_the_client_root_measures_TCP_RR_and_TCP_STREAM_against_netserver_in_the_namespace()
    {
        var client = await L0Network.ClientRootAsync();
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), client.RootDirectory, L0Network.Options(), Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        // netserver -D stays in the foreground; -L binds the namespace's address, as L2's netserver binds its own. It needs
        // a /proc for -C (L2 has one), mounted as the client's is: inside `ip netns exec`'s own mount namespace.
        var netserverArgv = network.Wrap([
            "/bin/sh", "-c", "mount -t proc -o ro proc \"$0/proc\" && exec chroot \"$0\" netserver -D -4 -L \"$1\"", client.RootDirectory, ClientNetwork.L0Address]);
        var serverOutput = new StringBuilder();
        var netserver = Cli.Wrap(netserverArgv[0]).WithArguments(netserverArgv.Skip(1)).WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(serverOutput)).WithStandardErrorPipe(PipeTarget.ToStringBuilder(serverOutput))
            .ExecuteAsync(stop.Token);
        try
        {
            Assert.True(
                await L0Network.EventuallyAsync(async () => (await ListenersAsync(network)).Contains("192.168.0.1:12865"), 30),
                $"netserver does not listen: {serverOutput}");

            // The lab's own commands (with -c -C), against the namespace's netserver.
            var settings = new NetperfSettings(Seconds: 1, EstimateSeconds: 1, TimeoutSeconds: 60);
            var target = new SuiteTarget(1, ClientNetwork.L0Address);
            var rr = await network.RunClientAsync(settings.Of("TCP_RR").Command(target), TimeSpan.FromSeconds(60), Token);
            var stream = await network.RunClientAsync(settings.Of("TCP_STREAM").Command(target), TimeSpan.FromSeconds(60), Token);
            TestContext.Current.TestOutputHelper?.WriteLine(rr.Command + "\n" + rr.Text + stream.Text);

            Assert.Equal(0, rr.ExitCode);
            Assert.Equal(0, stream.ExitCode);
            Assert.Contains("to 192.168.0.1 () port 0 AF_INET", rr.Text);
            var parser = new NetperfParser();
            var rrResult = parser.Recognised(rr.Text);
            var streamResult = parser.Recognised(stream.Text);
            Assert.True(rrResult.Valid, string.Join("; ", rrResult.Problems));
            Assert.True(streamResult.Valid, string.Join("; ", streamResult.Problems));
            Assert.Equal("TCP_RR", rrResult.Metrics["test"].Text);
            Assert.True(rrResult.Number("transactions_per_s") > 0);
            Assert.Equal("TCP_STREAM", streamResult.Metrics["test"].Text);
            Assert.True(streamResult.Number("throughput_mbps") > 0);
            Assert.True(rrResult.Number("remote_service_demand_us_per_tr") > 0, rr.Text);
            Assert.True(streamResult.Number("local_service_demand_us_per_kb") > 0, stream.Text);
            // The client's /proc lived in `ip netns exec`'s mount namespace: none is left mounted in the client root.
            Assert.DoesNotContain(Path.Combine(client.RootDirectory, "proc"), File.ReadAllText("/proc/self/mountinfo"));
        }
        finally
        {
            await L0Network.StopAsync(stop, netserver);
        }
    }

    [Fact]
    public async Task Ab_from_the_client_root_fetches_the_document_from_a_server_in_the_namespace()
    {
        var client = await L0Network.ClientRootAsync();
        Assert.SkipUnless(File.Exists("/usr/bin/python3"), "the test's HTTP server is python3 -m http.server (L0's /usr/bin/python3)");
        var site = Directory.CreateTempSubdirectory("vmlab-ab-site-").FullName;
        Directory.CreateDirectory(Path.Combine(site, "gcc"));
        await File.WriteAllBytesAsync(Path.Combine(site, "gcc", "index.html"), Encoding.ASCII.GetBytes(new string('x', 41288)), Token);
        await using var network = await ClientNetwork.CreateAsync(L0Network.NewRunId(), client.RootDirectory, L0Network.Options(), Token);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Token);
        // The server runs in the namespace but not in the chroot; the port is free because the namespace is new.
        var serverArgv = network.Wrap(["/usr/bin/python3", "-m", "http.server", "--bind", ClientNetwork.L0Address, "--directory", site, "8080"]);
        var serverOutput = new StringBuilder();
        var server = Cli.Wrap(serverArgv[0]).WithArguments(serverArgv.Skip(1)).WithValidation(CommandResultValidation.None)
            .WithStandardOutputPipe(PipeTarget.ToStringBuilder(serverOutput)).WithStandardErrorPipe(PipeTarget.ToStringBuilder(serverOutput))
            .ExecuteAsync(stop.Token);
        try
        {
            Assert.True(
                await L0Network.EventuallyAsync(async () => (await ListenersAsync(network)).Contains("192.168.0.1:8080"), 30),
                $"the HTTP server does not listen: {serverOutput}");

            var run = await network.RunClientAsync("ab -n 200 -c 10 http://192.168.0.1:8080/gcc/index.html", TimeSpan.FromSeconds(60), Token);
            TestContext.Current.TestOutputHelper?.WriteLine(run.Text);

            Assert.Equal(0, run.ExitCode);
            var result = new ApacheBenchParser().Recognised(run.Text, ParseContext.None.With(ApacheBenchParser.ExpectedLength, 41288));
            Assert.True(result.Valid, string.Join("; ", result.Problems));
            Assert.Equal(200, result.Number("complete_requests"));
            Assert.True(result.Number("requests_per_s") > 0);
        }
        finally
        {
            await L0Network.StopAsync(stop, server);
        }
    }
}
