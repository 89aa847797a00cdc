using System.Text;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;
using VmLab.Lab;
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
