using Snapshooter.Xunit3;
using Snapshooter;
using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;

namespace VmLab.Tests.Lab;

public sealed class QemuCommandTests
{
    private static readonly Topology TwoCores = Topology.Choose(new MachineCapacity(2, 24000), 1024);

    private static readonly LabArtifacts Artifacts = new(
        "/artifacts/kernel/k1/host/Image", "/artifacts/kernel/k1/guest/Image",
        "/artifacts/rootfs/r1/host.img", "/artifacts/rootfs/r1/guest.img", null);

    public static TheoryData<string> ScenarioIds => [.. Scenario.All.Select(s => s.Id)];

    private static Boot BootOf(string scenario) => new(3, Scenario.Parse(scenario), 1, Profiles.Smoke.Suites);

    [Theory]
    [MemberData(nameof(ScenarioIds))]
    public void Each_scenario_renders_its_L1_and_L2_command_lines(string scenario)
    {
        var boot = BootOf(scenario);
        var l1 = new QemuL1Launcher(Artifacts, "/artifacts/lab/payload/p1.img", TwoCores)
            .For(boot, "/work/boot-3/job.img", "/work/boot-3/scratch-l1.img", "/work/boot-3/scratch-l2.img");
        var l2 = JobScript.GuestCommand(TwoCores, boot.Scenario, boot, l2Boot: 1);

        Snapshot.Match($"L1 (on L0):\n{l1}\n\nL2 (in L1):\n{l2}\n", SnapshotNameExtension.Create(scenario));
    }

    [Fact]
    public void L1_is_TCG_with_emulated_EL2_and_has_no_network_at_all()
    {
        var l1 = new QemuL1Launcher(Artifacts, "/p.img", TwoCores).For(BootOf("baseline"), "/j.img", "/s1.img", "/s2.img").Arguments();

        Assert.Equal("virt,gic-version=2,virtualization=on", After(l1, "-machine"));
        Assert.Equal("cortex-a57", After(l1, "-cpu"));
        Assert.StartsWith("tcg", After(l1, "-accel"));
        Assert.Equal("none", After(l1, "-nic"));
        Assert.Contains("-nodefaults", l1); // no default user-mode NIC: L1 never reaches the outside
        Assert.DoesNotContain(l1, a => a.Contains("hostfwd", StringComparison.Ordinal) || a.StartsWith("user", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("baseline", "vhost=on", "2")]
    [InlineData("guest-vhost-off", "vhost=off", "2")]
    [InlineData("guest-up", "vhost=on", "1")]
    public void L2_is_KVM_on_the_host_cpu_with_tap0_and_the_scenario_factors(string scenario, string vhost, string cpus)
    {
        var l2 = JobScript.GuestCommand(TwoCores, Scenario.Parse(scenario), BootOf(scenario), 1).Arguments();

        Assert.Equal("kvm", After(l2, "-accel"));
        Assert.Equal("host", After(l2, "-cpu"));
        Assert.Equal(cpus, After(l2, "-smp"));
        Assert.Equal($"tap,id=net0,ifname=tap0,script=no,downscript=no,{vhost}", After(l2, "-netdev"));
    }

    [Fact]
    public void With_methods_return_new_commands_and_leave_the_original_alone()
    {
        var original = new QemuCommand();
        var changed = original.WithCpus(4).WithDisk("/a.img", DiskMode.ReadOnly);

        Assert.Equal(1, original.Cpus);
        Assert.Empty(original.Disks);
        Assert.Equal(4, changed.Cpus);
        Assert.Throws<ArgumentOutOfRangeException>(() => original.WithCpus(0));
    }

    [Fact]
    public void Commas_in_a_disk_path_are_doubled_and_odd_words_are_quoted_for_the_shell()
    {
        var command = new QemuCommand().WithDisk("/runs/a,b.img", DiskMode.Snapshot).WithKernel("/k/Image", "console=ttyAMA0 quiet");

        Assert.Contains("file=/runs/a,,b.img,if=virtio,format=raw,snapshot=on", command.Arguments());
        Assert.Contains("-append 'console=ttyAMA0 quiet'", command.ToString());
        Assert.Equal("'it'\\''s'", ShellWord.Quote("it's"));
        Assert.Equal("''", ShellWord.Quote(""));
    }

    [Fact]
    public async Task Every_quoted_word_reads_back_unchanged_through_a_real_shell_and_a_prefix_keeps_the_arguments()
    {
        string[] words = ["plain", "", "it's", "a b", "$HOME", "`x`", "50%", "user@host", "*", "new\nline", "back\\slash", "--x=\"y\""];
        var line = "printf '%s\\0' " + ShellWord.Join(words);

        var shell = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            CliWrap.Cli.Wrap("sh").WithArguments(["-c", line]), TestContext.Current.CancellationToken);
        var prefixed = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
            ShellWord.Prefix(CliWrap.Cli.Wrap("printf").WithArguments(["%s\\0", .. words]), ["env", "--"]), TestContext.Current.CancellationToken);

        Assert.Equal(words, shell.StandardOutput.Split('\0')[..^1]);
        Assert.Equal(words, prefixed.StandardOutput.Split('\0')[..^1]);
        Assert.Equal("user@host", ShellWord.Quote("user@host"));
    }

    private static string After(IReadOnlyList<string> args, string option) => args[args.ToList().IndexOf(option) + 1];
}
