namespace VmLab.Suites;

/// <summary>netperf's settings in a profile (lab/profiles.json), shared by its two tests.</summary>
public sealed record NetperfSettings(int Seconds, double EstimateSeconds, double TimeoutSeconds)
{
    /// <summary>The tests a boot runs, in order: throughput, then request/response.</summary>
    public IReadOnlyList<NetperfCommand> Tests => [Of("TCP_STREAM"), Of("TCP_RR")];

    /// <summary>The command of netperf test <paramref name="test"/> with these settings.</summary>
    public NetperfCommand Of(string test) => new(test, Seconds, EstimateSeconds, TimeoutSeconds);
}
