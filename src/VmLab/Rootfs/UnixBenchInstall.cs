using System.Collections.Immutable;
using VmLab.Suites;

namespace VmLab.Rootfs;

/// <summary>
/// UnixBench as <c>customize.sh</c> builds it into an image (<c>/opt/UnixBench</c>, compiled in the arm64 tree with
/// <c>-mcpu=cortex-a57</c>, the CPU the lab boots), and the checks that prove it at image build time. The checks run
/// through the chroot and qemu-user like the recipe's own and are recorded with them in metadata.json.
/// </summary>
public static class UnixBenchInstall
{
    /// <summary>Where the images hold UnixBench (<c>lab/profiles.json</c>'s <c>unixbench.directory</c>).</summary>
    public const string Directory = "/opt/UnixBench";

    /// <summary>The CPU the programs are compiled for (<c>-mcpu=</c>): L1's <c>-cpu cortex-a57</c>, which L2's <c>-cpu host</c> inherits.</summary>
    public const string Cpu = "cortex-a57";

    /// <summary>The programs 5.1.3's Makefile builds into <c>pgms/</c> (its <c>BINS</c>, without the X11 <c>ubgears</c>).</summary>
    public static readonly ImmutableArray<string> Programs =
    [
        "arithoh", "register", "short", "int", "long", "float", "double", "hanoi", "syscall", "context1",
        "pipe", "spawn", "execl", "dhry2", "dhry2reg", "looper", "fstime", "whetstone-double",
    ];

    /// <summary>The one test the build runs under qemu-user (about 21 s: 10 s of Dhrystone plus Run's own start).</summary>
    public const string RunCheck = $"cd {Directory} && ./Run -q -i 1 -c 1 dhry2reg";

    /// <summary>
    /// The checks, in order: <c>Run</c> and every program are there; every compiler line had <c>-mcpu=cortex-a57</c>
    /// (counted in the build log customize.sh keeps beside them); nothing is out of date (Run's <c>make check</c>
    /// would otherwise rebuild inside the VM); one test really runs (<see cref="RunCheck"/>, its output parsed).
    /// </summary>
    public static ImmutableArray<string> Checks { get; } =
    [
        $"cd {Directory} && test -x Run && for p in {string.Join(' ', Programs)}; do test -x pgms/$p || {{ echo \"pgms/$p is missing\"; exit 1; }}; done && echo \"Run and {Programs.Length} programs in pgms/\"",
        $"grep -c -- ' -mcpu={Cpu}' {Directory}/vmlab-build.log",
        $"cd {Directory} && make -q programs && echo 'pgms/ is up to date (Run will not rebuild it)'",
        RunCheck,
    ];

    /// <summary>
    /// What is wrong with the <see cref="RunCheck"/>'s output, read by the lab's own <see cref="UnixBenchParser"/>
    /// (an exit code of 0 is not enough: Run exits 0 after a test that printed nothing); empty when it is an index.
    /// </summary>
    public static IReadOnlyList<string> ProblemsOfRunCheck(string output)
    {
        var parsed = new UnixBenchParser().Parse(output);
        if (parsed.Measurement is not { } measurement)
        {
            return [$"'{RunCheck}' printed no UnixBench index: {parsed.UnrecognisedReason}"];
        }

        return measurement.Problems.Count > 0
            ? [.. measurement.Problems.Select(p => $"'{RunCheck}': {p}")]
            : measurement.Metrics.ContainsKey("dhrystone_2_using_register_variables_index")
                ? []
                : [$"'{RunCheck}' printed an index without the Dhrystone 2 line"];
    }
}
