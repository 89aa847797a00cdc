namespace VmLab.Suites;

/// <summary>What a suite command needs to know about the system it runs on.</summary>
/// <param name="Cpus">CPUs the measured system has (or is limited to): kernbench's <c>-j</c>, UnixBench's <c>-c</c>.</param>
/// <param name="ServerAddress">The address of the system serving a network suite (the measured system).</param>
/// <param name="Scratch">A writable folder with room for a kernel build (the scratch disk, docs/PROTOCOL.md).</param>
public sealed record SuiteTarget(int Cpus, string ServerAddress, string Scratch = "/work");

/// <summary>
/// One benchmark as the lab runs it: the shell command whose output is the raw file of a unit. One implementation
/// per suite, in the suite's folder (<c>Suites/&lt;Name&gt;/&lt;Name&gt;Command.cs</c>), registered in
/// <see cref="SuiteRegistry"/>; the parameters come from the profile (lab/profiles.json), never from code.
/// </summary>
public interface ILabSuite
{
    /// <summary>The unit's suite id: the folder under <c>raw/&lt;scenario&gt;/</c> (e.g. <c>netperf-rr</c>).</summary>
    string Id { get; }

    /// <summary>
    /// True when the suite measures a server over tap0: the server runs in the measured system, the client in the
    /// other layer (the study: "the KVM host is the benchmark client").
    /// </summary>
    bool IsNetwork { get; }

    /// <summary>The expected duration of one unit in L1 on the reference machine, for the plan and the ETA.</summary>
    TimeSpan Estimate { get; }

    /// <summary>After this long, the job kills the suite (coreutils <c>timeout</c>) and the unit fails.</summary>
    TimeSpan Timeout { get; }

    /// <summary>
    /// The command whose stdout and stderr are the unit's raw output, run by <c>/bin/sh</c> in the job.
    /// For network suites this is the client, run against <see cref="SuiteTarget.ServerAddress"/>.
    /// </summary>
    string Command(SuiteTarget target);

    /// <summary>A shell check that the tool is installed, so a missing tool is "unavailable", not "failed".</summary>
    string Probe { get; }
}
