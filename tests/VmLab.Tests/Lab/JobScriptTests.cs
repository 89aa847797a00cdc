using CliWrap.Buffered;
using CliWrap;
using Snapshooter.Xunit3;
using Snapshooter;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;

namespace VmLab.Tests.Lab;

public sealed class JobScriptTests
{
    private static readonly Topology TwoCores = Topology.Choose(new MachineCapacity(2, 24000), 1024);

    public static TheoryData<string> ScenarioIds => [.. Scenario.All.Select(s => s.Id)];

    private static JobFolder JobOf(string scenario, int repeat = 1) =>
        JobScript.ForL1(new Boot(3, Scenario.Parse(scenario), repeat, Profiles.Smoke.Suites), TwoCores, Profiles.Smoke);

    [Theory]
    [MemberData(nameof(ScenarioIds))]
    public void Each_scenario_writes_the_L1_job_and_the_L2_jobs_it_boots(string scenario)
    {
        var job = JobOf(scenario);
        var text = $"== job.env\n{job.Files["job.env"]}\n== job.sh\n{job.Script}" +
                   string.Concat(job.Disks.Select(d => $"\n== {d.Key}: job.sh\n{d.Value.Script}"));

        Snapshot.Match(text, SnapshotNameExtension.Create(scenario));
    }

    [Theory]
    [MemberData(nameof(ScenarioIds))]
    public async Task Every_generated_script_and_the_library_are_valid_sh(string scenario)
    {
        var job = JobOf(scenario);
        foreach (var script in new[] { job.Script, job.Files["lib.sh"] }.Concat(job.Disks.Values.Select(d => d.Script)))
        {
            var check = await Cli.Wrap("/bin/sh").WithArguments(["-n"]).WithStandardInputPipe(PipeSource.FromString(script))
                .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
            Assert.True(check.ExitCode == 0, check.StandardError);
        }
    }

    [Fact]
    public void One_shell_library_defines_the_protocol_and_the_job_library_only_adds_job_functions()
    {
        // Every shell function defined in the repository's VM-side scripts, by file.
        var root = VmLab.Common.RepoPaths.Find(AppContext.BaseDirectory).Root;
        var definitions = Directory.GetFiles(Path.Combine(root, "rootfs"), "*", SearchOption.AllDirectories)
            .Concat(Directory.GetFiles(Path.Combine(root, "src"), "*.sh", SearchOption.AllDirectories))
            .Where(f => new FileInfo(f).LinkTarget is null) // /usr/sbin/init is a link to vmlab-init
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}") && !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}"))
            .SelectMany(f => File.ReadLines(f).Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(vmlab_[a-z_0-9]+)\(\)")).Where(m => m.Success)
                .Select(m => (Function: m.Groups[1].Value, File: Path.GetRelativePath(root, f))))
            .ToList();

        Assert.All(definitions.GroupBy(d => d.Function), g => Assert.True(g.Count() == 1, $"{g.Key} is defined in {string.Join(", ", g.Select(d => d.File))}"));
        Assert.Equal("rootfs/overlay/common/usr/lib/vmlab/protocol.sh", definitions.Single(d => d.Function == "vmlab_fact").File);
        Assert.StartsWith(File.ReadAllText(Path.Combine(root, "rootfs/overlay/common/usr/lib/vmlab/protocol.sh")), JobScript.Library, StringComparison.Ordinal);
    }

    [Fact]
    public void A_guest_scenario_boots_one_L2_that_runs_the_CPU_suites_then_serves_L0s_clients()
    {
        var job = JobOf("guest-vhost-off");

        Assert.Equal(["l2/job-1.img"], job.Disks.Keys);
        var l2 = job.Disks["l2/job-1.img"].Script;
        Assert.True(l2.IndexOf("vmlab_unit hackbench/1", StringComparison.Ordinal) < l2.IndexOf("vmlab_servers", StringComparison.Ordinal));
        Assert.DoesNotContain("netperf -H", job.Script + l2); // the clients run on L0, not in a VM
        Assert.Contains("vmlab_fact l2_qemu '", job.Script);
        Assert.Contains("vhost=off", job.Script);
        Assert.Contains("vmlab_bridge 192.168.0.101 192.168.0.1", job.Script);
        Assert.Contains("bash /job/lib.bash vmlab_l1_guest 1 /work/l2-console-1.log ", job.Script);
        Assert.Contains(" $vmlab_l2 /work/l2-ctl-1.in 4444 1 192.168.0.105 ", job.Script); // L1 serves once L2 does
        Assert.Contains("-chardev pipe,id=vmlabctl,path=/work/l2-ctl-1 -device virtserialport,chardev=vmlabctl,name=vmlab.ctl -qmp tcp:127.0.0.1:4444,server=on,wait=off", job.Script);
        Assert.True(l2.IndexOf("vmlab_control", StringComparison.Ordinal) < l2.IndexOf("vmlab_unit hackbench/1", StringComparison.Ordinal));
        Assert.EndsWith("vmlab_answer\n", l2.ReplaceLineEndings("\n"));
        Assert.Equal(JobScript.BashLibrary, job.Files["lib.bash"]);
    }

    [Fact]
    public void The_host_scenario_limits_L1_to_the_guest_size_runs_its_CPU_suites_then_starts_its_servers_inside_the_limit_and_serves_L0()
    {
        var job = JobOf("host", repeat: 2);

        Assert.Empty(job.Disks); // no L2: the clients are on L0
        var script = job.Script;
        var order = new[] { "vmlab_limit 2 1024", "vmlab_unit hackbench/2", "vmlab_servers restart", "bash /job/lib.bash vmlab_l1_serve l1 192.168.0.101 " }
            .Select(s => script.IndexOf(s, StringComparison.Ordinal)).ToList();
        Assert.DoesNotContain(-1, order);
        Assert.Equal(order.Order(), order); // the servers start only when L1 serves
        Assert.DoesNotContain("ab -n", script);
        Assert.Equal("VMLAB_LAYER=l1\nVMLAB_SCENARIO=host\nVMLAB_REPEAT=2\nVMLAB_BOOT=3\n", job.Files["job.env"]);
    }

    [Fact]
    public void Only_pending_suites_are_in_a_job()
    {
        var job = JobScript.ForL1(new Boot(9, Scenario.Baseline, 2, [Profiles.Smoke.SettingsOf<VmLab.Suites.HackbenchCommand>()]), TwoCores, Profiles.Smoke);

        Assert.Equal(["l2/job-1.img"], job.Disks.Keys);
        Assert.DoesNotContain("netperf", job.Script + job.Disks["l2/job-1.img"].Script);
    }

    [Fact]
    public async Task The_job_disk_is_an_ext4_image_labelled_VMLABJOB_holding_the_job_and_the_nested_L2_job_disks()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-disk-").FullName;
        var job = JobOf("baseline");
        var image = Path.Combine(dir, "job.img");

        await JobDisk.BuildAsync(job, Path.Combine(dir, "job"), image, Path.Combine(dir, "disks.log"), TestContext.Current.CancellationToken);

        Assert.Equal(job.Script, await DebugFs(image, "cat /job.sh"));
        Assert.Contains("VMLABJOB", await Dumpe2fsLabel(image));
        var nested = Path.Combine(dir, "nested.img");
        await File.WriteAllTextAsync(nested, "", TestContext.Current.CancellationToken);
        await DebugFs(image, $"dump /l2/job-1.img {nested}");
        Assert.Equal(job.Disks["l2/job-1.img"].Script, await DebugFs(nested, "cat /job.sh"));
    }

    private static async Task<string> DebugFs(string image, string request) =>
        (await Cli.Wrap(File.Exists("/usr/sbin/debugfs") ? "/usr/sbin/debugfs" : "debugfs").WithArguments(["-R", request, image])
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken)).StandardOutput;

    private static async Task<string> Dumpe2fsLabel(string image) =>
        (await Cli.Wrap(File.Exists("/usr/sbin/dumpe2fs") ? "/usr/sbin/dumpe2fs" : "dumpe2fs").WithArguments(["-h", image])
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken)).StandardOutput;
}
