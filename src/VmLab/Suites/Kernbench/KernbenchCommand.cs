namespace VmLab.Suites;

/// <summary>
/// kernbench 0.50 <c>-M -H -n 1</c>, i.e. one "optimal load" build with <c>-j 4×CPUs</c>, done the way kernbench
/// does it: <c>make clean; sync; sleep 5; /usr/bin/time -f "%e %U %S %P %c %w" make -j N</c>. The raw file is
/// GNU time's line, which the kernbench parser reads. The source tree is read-only on the payload disk
/// (<c>/payload/kernbench/linux</c>); the build goes out of tree into the scratch disk, so nothing is extracted
/// or copied inside the (slow, emulated) VM.
/// </summary>
/// <param name="Config">The make target that writes <c>.config</c> (<c>tinyconfig</c> for smoke, <c>defconfig</c> for the study).</param>
/// <param name="Targets">What the timed make builds (empty: the default target, the whole kernel).</param>
/// <param name="Files">
/// Instead of a configured build: C files of the tree, each compiled and linked on its own with <c>gcc -O2</c>,
/// timed the same way. The smoke profile uses it: in L2 (KVM nested in TCG) every gcc run costs about half a
/// minute, so even <c>tinyconfig</c>'s configure step (it compiles kconfig's host tools) takes 8 minutes there.
/// </param>
public sealed record KernbenchCommand(string Config, string Targets, double EstimateSeconds, double TimeoutSeconds, IReadOnlyList<string>? Files = null) : ILabSuite
{
    /// <summary>Where the payload disk carries the kernel source tree, relative to the disk's root.</summary>
    public const string PayloadFolder = "kernbench/linux";

    /// <summary>Where the payload disk carries the kernel source tree, as mounted in the VM.</summary>
    public const string SourceTree = "/payload/" + PayloadFolder;

    public string Id => KernbenchParser.Id;
    public bool IsNetwork => false;
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateSeconds);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
    public string Probe => $"test -f {SourceTree}/Makefile && command -v make && test -x /usr/bin/time";

    public string Command(SuiteTarget target)
    {
        var build = $"{target.Scratch}/kernbench";
        if (Files is { Count: > 0 })
        {
            var compiles = string.Join(" && ", Files.Select((file, i) => $"gcc -O2 -o {build}/file-{i} {SourceTree}/{file}"));
            return $"mkdir -p {build} && sync && sleep 5 && " +
                   $"/usr/bin/time -f '%e %U %S %P %c %w' -o {build}/time.txt sh -c \"{compiles}\" >/dev/null 2>{build}/make.err; " +
                   $"rc=$?; cat {build}/time.txt; [ $rc -eq 0 ] || tail -n 20 {build}/make.err >&2; exit $rc";
        }

        var jobs = 4 * target.Cpus;
        // The configure step is not timed (kernbench times only the build); its output is dropped so the raw file
        // holds only GNU time's line, and a configure failure still shows up as the unit's rc.
        return $"mkdir -p {build} && make -s -C {SourceTree} O={build} {Config} >/dev/null && " +
               $"make -s -C {SourceTree} O={build} clean >/dev/null && sync && sleep 5 && " +
               $"/usr/bin/time -f '%e %U %S %P %c %w' -o {build}/time.txt make -s -C {SourceTree} O={build} -j {jobs} {Targets} >/dev/null 2>{build}/make.err; " +
               $"rc=$?; cat {build}/time.txt; [ $rc -eq 0 ] || tail -n 20 {build}/make.err >&2; exit $rc";
    }
}
