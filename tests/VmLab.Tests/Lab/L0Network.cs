using System.Text;
using CliWrap.Buffered;
using CliWrap;
using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Network;
using VmLab.Rootfs;

namespace VmLab.Tests.Lab;

/// <summary>
/// What the tests that really create network namespaces need, and the skip reasons when this machine cannot give it:
/// root (ip netns, ip tuntap, chroot) and, for netperf and ab, a built client root.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class L0Network
{
    /// <summary>Set to 1 to let the tests build a missing client root (about a minute and downloads from deb.debian.org).</summary>
    public const string BuildVariable = "VMLAB_TEST_BUILD_CLIENT_ROOT";

    // The library reads no environment: like the CLI, the tests honour VMLAB_ARTIFACTS here.
    private static readonly RepoPaths Paths =
        Environment.GetEnvironmentVariable(RepoPaths.ArtifactsVariable) is { Length: > 0 } artifacts
            ? RepoPaths.Find(AppContext.BaseDirectory) with { Artifacts = Path.GetFullPath(artifacts) }
            : RepoPaths.Find(AppContext.BaseDirectory);
    private static readonly Lazy<Task<ClientRootMetadata>> Build = new(() =>
        new ClientRootBuilder(Paths, TextWriter.Null)
            .BuildAsync(ClientRootPlan.Create(ClientRootDefinition.Load(Paths.RootfsDir)), force: false, CancellationToken.None));

    private static readonly Lazy<string?> NamespacesUnavailable = new(() =>
    {
        if (!File.Exists("/dev/net/tun"))
        {
            return "/dev/net/tun does not exist (no tun/tap in this kernel or container)";
        }

        // Root without CAP_SYS_ADMIN/CAP_NET_ADMIN (an unprivileged container) cannot make network namespaces.
        var probe = Cli.Wrap("unshare").WithArguments(["--net", "true"]).WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync().GetAwaiter().GetResult();
        return probe.ExitCode == 0 ? null : $"unshare --net fails here ({probe.StandardError.Trim()}): no network namespaces for this root";
    });

    public static void RequireRoot()
    {
        Assert.SkipUnless(Privileges.Detect().IsRoot, "needs root (ip netns add, ip tuntap, chroot); CI runs the tests as root");
        Assert.SkipWhen(NamespacesUnavailable.Value is not null, $"needs network namespaces and tun: {NamespacesUnavailable.Value}");
    }

    /// <summary>The client root of the current recipe: the one already built (artifacts/ or VMLAB_ARTIFACTS), else built when allowed, else a skip saying why.</summary>
    public static async Task<ClientRootArtifact> ClientRootAsync()
    {
        RequireRoot();
        if (ClientRootArtifact.TryLocate(Paths) is { } built)
        {
            return built;
        }

        var plan = ClientRootPlan.Create(ClientRootDefinition.Load(Paths.RootfsDir));
        Assert.SkipUnless(
            Environment.GetEnvironmentVariable(BuildVariable) == "1",
            $"no client root for key {plan.Key} in {ClientRootPlan.Parent(Paths)}: the tests use a built one and do not build it "
            + $"(about a minute, downloads from deb.debian.org). Build it with: sudo ./build.sh --target=ClientRoot (or set {BuildVariable}=1)");
        await Build.Value;
        return ClientRootArtifact.Locate(Paths);
    }

    /// <summary>Options with a private owner-record folder, so the tests' sweeps only see their own namespaces.</summary>
    public static ClientNetworkOptions Options(StringBuilder? log = null) => new()
    {
        StateDirectory = Directory.CreateTempSubdirectory("vmlab-netns-state-").FullName,
        Log = line =>
        {
            if (log is not null)
            {
                lock (log)
                {
                    log.AppendLine(line);
                }
            }

            TestContext.Current.TestOutputHelper?.WriteLine(line);
        },
    };

    /// <summary>A run id no other test (or run) uses.</summary>
    public static string NewRunId() => "test-" + Guid.NewGuid().ToString("N");

    /// <summary>The pids of processes whose command line contains <paramref name="argument"/> as one argument.</summary>
    public static List<int> ProcessesWithArgument(string argument) =>
        [
            .. Directory.EnumerateDirectories("/proc")
                .Select(Path.GetFileName)
                .Where(n => n!.All(char.IsAsciiDigit))
                .Where(n =>
                {
                    try
                    {
                        var stat = File.ReadAllText($"/proc/{n}/stat");
                        return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z'
                            && File.ReadAllText($"/proc/{n}/cmdline").Split('\0').Contains(argument);
                    }
                    catch (IOException)
                    {
                        return false;
                    }
                })
                .Select(n => int.Parse(n!, System.Globalization.CultureInfo.InvariantCulture)),
        ];

    /// <summary>The pids <c>ip netns pids</c> lists for the namespace (none when it is gone).</summary>
    public static async Task<List<int>> PidsInsideAsync(string name)
    {
        var result = await Cli.Wrap("ip").WithArguments(["netns", "pids", name]).WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        return [.. result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(p => int.Parse(p, System.Globalization.CultureInfo.InvariantCulture))];
    }

    /// <summary>
    /// Waits until <paramref name="pid"/> is inside the namespace. A process started with <see cref="ClientNetwork.Wrap(IEnumerable{string})"/>
    /// has its final arguments from the start, but is in the namespace only once <c>ip netns exec</c> has entered it.
    /// </summary>
    public static async Task WaitUntilInsideAsync(ClientNetwork network, int pid, double seconds = 30)
    {
        List<int> inside = [];
        Assert.True(
            await EventuallyAsync(async () => (inside = await PidsInsideAsync(network.Name)).Contains(pid), seconds),
            $"process {pid} has not entered the network namespace {network.Name} within {seconds} s (ip netns pids lists: {string.Join(", ", inside)})");
    }

    /// <summary>Awaits a child process the test started, failing with <paramref name="what"/> instead of hanging when it has not exited within <paramref name="seconds"/>.</summary>
    public static async Task<CommandResult> ExitedAsync(CommandTask<CommandResult> child, string what, double seconds = 30)
    {
        var first = await Task.WhenAny(child.Task, Task.Delay(TimeSpan.FromSeconds(seconds), TestContext.Current.CancellationToken));
        Assert.True(first == child.Task, $"{what} (pid {child.ProcessId}) still runs {seconds} s later");
        return await child.Task;
    }

    /// <summary>
    /// Kills a child the test started (CliWrap kills it on <paramref name="stop"/>) and waits for it, a little: for a
    /// test's finally, so a failure leaves nothing running. Whether it was still running does not matter here.
    /// </summary>
    public static async Task StopAsync(CancellationTokenSource stop, CommandTask<CommandResult> child)
    {
        await stop.CancelAsync();
        if (await Task.WhenAny(child.Task, Task.Delay(TimeSpan.FromSeconds(30))) != child.Task)
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"process {child.ProcessId} still runs 30 s after SIGKILL (stuck in the kernel?)");
            return;
        }

        try
        {
            await child.Task;
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until <paramref name="condition"/> holds, up to <paramref name="seconds"/>.</summary>
    public static async Task<bool> EventuallyAsync(Func<Task<bool>> condition, double seconds = 10)
    {
        var until = DateTime.UtcNow.AddSeconds(seconds);
        while (DateTime.UtcNow < until)
        {
            if (await condition())
            {
                return true;
            }

            await Task.Delay(100, TestContext.Current.CancellationToken);
        }

        return await condition();
    }
}
