using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Counters;
using VmLab.Lab.Vm;

namespace VmLab.Tests.Lab;

/// <summary>
/// The job's side of the counters (docs/PROTOCOL.md, "Counters"), run for real on this machine: the measured system's
/// snapshot under /bin/sh on L0's own /proc, and L1's bash part following a fake L2's console, with a fake QMP socket
/// that answers what QEMU answered in the lab.
/// </summary>
public sealed class CounterJobTests
{
    private static readonly VmLab.Lab.Plan.Topology TwoCores = VmLab.Lab.Plan.Topology.Choose(new VmLab.Lab.Plan.MachineCapacity(2, 24000), 1024);

    [Fact]
    public async Task A_snapshot_reads_every_source_of_the_measured_system_and_parses_into_its_counters()
    {
        var output = await JobShell.RunAsync("vmlab_counters hackbench/1 start; i=0; while [ $i -lt 20000 ]; do i=$((i + 1)); done; vmlab_counters hackbench/1 end");

        var counters = BootCounters.FromConsoles(output, []);
        var unit = counters["hackbench/1"];
        Assert.All(new[] { "sys.seconds", "sys.ctxt", "sys.intr", "sys.cpu.user", "sys.cpu.idle", "sys.cpu0.user", "sys.pgfault", "sys.softirq.net_rx", "sys.tcp.in_segs", "sys.anon_huge_kb" },
            name => Assert.True(unit.Values.ContainsKey(name), $"{name}: {unit.Unavailable.GetValueOrDefault(name)}"));
        Assert.InRange(unit.Values["sys.seconds"], 0, 60);
        Assert.True(unit.Values["sys.cpu.user"] + unit.Values["sys.cpu.system"] + unit.Values["sys.cpu.idle"] >= 0);
        Assert.DoesNotContain(unit.Values.Keys, k => k.StartsWith("l1.", StringComparison.Ordinal)); // the host scenario: no L1 about L2
    }

    [Fact]
    public async Task With_counters_off_no_layer_reads_them_and_L1_still_answers_L0()
    {
        var job = JobScript.ForL1(new Boot(1, VmLab.Lab.Plan.Scenario.Baseline, 1, Profiles.Smoke.Suites), TwoCores, Profiles.Smoke, counters: false);
        var off = await JobShell.RunAsync("VMLAB_COUNTERS=0; vmlab_edge hackbench/1 start; vmlab_edge hackbench/1 end; echo done");
        var serving = await JobShell.RunAsync("VMLAB_COUNTERS=0 bash ./lib.bash vmlab_l1_serve l1 192.168.0.101 20", input: "vmlab-snap ab/1 start\nvmlab-go\n");

        Assert.EndsWith("VMLAB_COUNTERS=0\n", job.Files["job.env"]);
        Assert.EndsWith("VMLAB_COUNTERS=0\n", job.Disks["l2/job-1.img"].Files["job.env"]);
        Assert.DoesNotContain("VMLAB_COUNTERS", JobScript.ForL1(new Boot(1, VmLab.Lab.Plan.Scenario.Baseline, 1, Profiles.Smoke.Suites), TwoCores, Profiles.Smoke).Files["job.env"]);
        Assert.Equal("done", off.Trim());
        Assert.Equal([new EdgeEvent("ab/1", "start")], ConsoleReader.ReadAll(serving).OfType<EdgeEvent>());
        Assert.Empty(ConsoleReader.ReadAll(serving).OfType<CountEvent>());
    }

    [Fact]
    public async Task The_bash_snapshot_says_what_the_sh_one_says_in_the_same_lines()
    {
        // lib.bash's vmlab_counters replaces lib.sh's when the job runs under bash; both must give the same counters.
        var sh = BootCounters.FromConsoles(await JobShell.RunAsync("vmlab_counters u/1 start; vmlab_counters u/1 end"), [])["u/1"];
        var bash = BootCounters.FromConsoles(await JobShell.RunAsync("bash -c '. ./lib.bash; vmlab_counters u/1 start; vmlab_counters u/1 end'"), [])["u/1"];

        Assert.Equal(sh.Values.Keys, bash.Values.Keys);
        Assert.Equal(sh.Unavailable.Keys, bash.Unavailable.Keys);
        Assert.DoesNotContain(bash.Unavailable.Keys, k => k.StartsWith("sys.", StringComparison.Ordinal) && !k.StartsWith("sys.thp", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_snapshot_starts_no_process()
    {
        var folder = Directory.CreateTempSubdirectory("vmlab-count-").FullName;
        await JobShell.RunAsync("true", folder);
        var (traced, calls) = await TraceAsync(folder, "/bin/sh", "lib.sh");
        Assert.Equal(0, traced.ExitCode);
        Assert.Equal("execve", Assert.Single(calls).Split(' ', StringSplitOptions.RemoveEmptyEntries)[1].Split('(')[0]); // sh itself, nothing else
        Assert.Contains("@@VMLAB:COUNT unit/1 start stat ctxt ", traced.StandardOutput);
        var (bash, bashCalls) = await TraceAsync(folder, "bash", "lib.bash");
        Assert.Equal(0, bash.ExitCode);
        Assert.Single(bashCalls);
        Assert.Contains("@@VMLAB:COUNT unit/1 start vmstat pgfault ", bash.StandardOutput);
    }

    /// <summary>One counter snapshot under <paramref name="shell"/> with <paramref name="library"/>, traced by strace:
    /// its output and the process calls (fork, clone, execve) it made, the exits left out.</summary>
    private static async Task<(BufferedCommandResult Result, List<string> Calls)> TraceAsync(string folder, string shell, string library)
    {
        var trace = $"trace-{Path.GetFileName(shell)}.txt";
        var result = await Cli.Wrap("strace")
            .WithArguments(["-f", "-e", "trace=fork,vfork,clone,clone3,execve", "-o", trace, shell, "-c", $". ./{library}; vmlab_counters unit/1 start"])
            .WithWorkingDirectory(folder)
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        return (result, File.ReadAllLines(Path.Combine(folder, trace)).Where(l => !l.Contains("exited", StringComparison.Ordinal)).ToList());
    }

    [Fact]
    public async Task L1_answers_L2s_snapshot_requests_then_serves_L0s_clients_with_every_layers_counters()
    {
        var folder = Directory.CreateTempSubdirectory("vmlab-l1-").FullName;
        var reply = (await File.ReadAllTextAsync(Fixture.Path("arm64", "qmp-query-stats-vcpu.json"), TestContext.Current.CancellationToken)).Trim();
        await using var qmp = new FakeQmp(reply);
        // A fake L2: asks for L1's counters at a CPU unit's edges (waiting for L1's answer on the control FIFO), says
        // 'serving', then answers L1's two requests for a network unit with EDGE, as vmlab_edge and vmlab_answer do.
        var l2 =
            "( exec 9<ctl.in\n" +
            "  echo '@@VMLAB:SNAP hackbench/1 start@@' >> con.log; read -r a <&9; echo \"l2 got $a\" >> l2.log\n" +
            "  echo '@@VMLAB:SNAP hackbench/1 end@@' >> con.log; read -r a <&9; echo \"l2 got $a\" >> l2.log\n" +
            "  echo '@@VMLAB:PHASE serving uptime=1.00@@' >> con.log\n" +
            "  for i in 1 2; do read -r a b c <&9; echo \"l2 got $a $b $c\" >> l2.log; echo \"@@VMLAB:EDGE $b $c@@\" >> con.log; done\n" +
            "  sleep 30 ) & vm=$!\n";
        var output = await JobShell.RunAsync(
            "mkfifo ctl.in ctl.out; : > con.log\n" + l2 +
            $"bash ./lib.bash vmlab_l1_guest 1 con.log 30 $vm ctl.in {qmp.Port} 1 192.168.0.105 20; echo rc=$?; kill $vm",
            folder,
            input: "vmlab-snap ab/1 start\nvmlab-snap ab/1 end\nvmlab-go\n");

        Assert.EndsWith("rc=0", output.Trim());
        Assert.Equal(["l2 got ok hackbench/1 start", "l2 got ok hackbench/1 end", "l2 got snap ab/1 start", "l2 got snap ab/1 end"],
            await File.ReadAllLinesAsync(Path.Combine(folder, "l2.log"), TestContext.Current.CancellationToken));
        var events = ConsoleReader.ReadAll(output);
        Assert.Equal(["hackbench/1 start", "hackbench/1 end", "ab/1 start", "ab/1 end"], events.OfType<EdgeEvent>().Select(e => $"{e.Unit} {e.Edge}"));
        Assert.Equal(["l2-serving", "served"], events.OfType<PhaseEvent>().Select(p => p.Name));
        Assert.Equal(reply, events.OfType<CountEvent>().First(c => c.Source == "kvm").Text); // QEMU's answer, verbatim
        Assert.Contains(events.OfType<FactEvent>(), f => f is { Key: "served", Value: "l2 192.168.0.105" });
        // The fake QEMU (a sleep) has one thread, the main loop: L1's counters name it.
        var counters = BootCounters.FromConsoles(output, ["@@VMLAB:COUNT ab/1 start uptime 1.00@@\n@@VMLAB:COUNT ab/1 start stat ctxt 5@@\n@@VMLAB:COUNT ab/1 end uptime 2.50@@\n@@VMLAB:COUNT ab/1 end stat ctxt 9@@\n"])["ab/1"];
        Assert.Equal(4, counters.Values["sys.ctxt"]);
        Assert.Equal(1.5, counters.Values["sys.seconds"]);
        Assert.Equal(0, counters.Values["l1.qemu.main.user"]);
        Assert.Equal(0, counters.Values["l1.kvm.exits"]); // the same answer at both edges
        Assert.Equal(0, counters.Values["l1.vhost.threads"]);
        Assert.Equal("L2 did not report it (its kernel or QEMU has no such counter)", counters.Unavailable["sys.pgfault"]);
    }

    [Fact]
    public async Task L1_gives_up_on_an_L2_that_exits_or_overruns_and_relays_READY_of_one_that_serves_nothing()
    {
        var exited = await JobShell.RunAsync("mkfifo ctl.in ctl.out; : > con.log; sleep 0.5 & vm=$!\nbash ./lib.bash vmlab_l1_guest 1 con.log 30 $vm ctl.in 1 1 192.168.0.105 20; echo rc=$?");
        var clock = Stopwatch.StartNew();
        var overran = await JobShell.RunAsync("mkfifo ctl.in ctl.out; : > con.log; sleep 30 & vm=$!\nbash ./lib.bash vmlab_l1_guest 1 con.log 1 $vm ctl.in 1 1 192.168.0.105 20; echo rc=$?; kill $vm");
        var overranSeconds = clock.Elapsed.TotalSeconds;
        var powered = await JobShell.RunAsync("mkfifo ctl.in ctl.out; echo '@@VMLAB:READY layer=l2 uptime=5.0@@' > con.log; sleep 0.5 & vm=$!\nbash ./lib.bash vmlab_l1_guest 1 con.log 30 $vm ctl.in 1 0 - 0; echo rc=$?");

        Assert.Contains("@@VMLAB:FACT l2_failed=L2 boot 1 stopped before it started its servers@@", exited);
        Assert.EndsWith("rc=1", exited.Trim());
        Assert.Contains("@@VMLAB:FACT l2_failed=L2 boot 1 did not start its servers within 1 s@@", overran);
        Assert.InRange(overranSeconds, 0.5, 20);
        Assert.Equal(["l2-ready"], ConsoleReader.ReadAll(powered).OfType<PhaseEvent>().Select(p => p.Name));
        Assert.Contains("@@VMLAB:FACT vhost_threads=", powered);
        Assert.EndsWith("rc=0", powered.Trim());
    }

    /// <summary>A QMP socket on 127.0.0.1 that greets, accepts qmp_capabilities and answers every other command with the reply it is given.</summary>
    private sealed class FakeQmp : IAsyncDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly Task _serving;

        public FakeQmp(string reply)
        {
            _listener.Start();
            _serving = Task.Run(async () =>
            {
                try
                {
                    using var client = await _listener.AcceptTcpClientAsync();
                    using var stream = client.GetStream();
                    using var reader = new StreamReader(stream, Encoding.UTF8);
                    await using var writer = new StreamWriter(stream, Encoding.UTF8) { AutoFlush = true, NewLine = "\r\n" };
                    await writer.WriteLineAsync("{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 0, \"minor\": 2, \"major\": 7}}, \"capabilities\": []}}");
                    while (await reader.ReadLineAsync() is { } line)
                    {
                        await writer.WriteLineAsync(line.Contains("qmp_capabilities", StringComparison.Ordinal) ? "{\"return\": {}}" : reply);
                    }
                }
                catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
                {
                    // the test ended the connection
                }
            });
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public async ValueTask DisposeAsync()
        {
            _listener.Stop();
            await _serving;
        }
    }
}
