namespace VmLab.Suites;

/// <summary>
/// netperf 2.7 against the measured system's netserver: <c>TCP_STREAM</c> (10^6 bits/s) or <c>TCP_RR</c>
/// (transactions/s). Each test is its own suite id (<c>netperf-stream</c>, <c>netperf-rr</c>), so each raw file
/// holds one netperf result, as the netperf parser expects. <c>-c -C</c> adds both sides' CPU utilisation and
/// service demand (issue 24's mechanism); netperf reads <c>/proc/stat</c> before and after the test on each side, so
/// it starts nothing while the test runs.
/// </summary>
/// <param name="Test">TCP_STREAM or TCP_RR.</param>
/// <param name="Seconds">netperf's <c>-l</c> (the study: 10 s).</param>
public sealed record NetperfCommand(string Test, int Seconds, double EstimateSeconds, double TimeoutSeconds) : ILabSuite
{
    public string Id => Test switch
    {
        "TCP_STREAM" => "netperf-stream",
        "TCP_RR" => "netperf-rr",
        _ => throw new ArgumentException($"VmLab runs netperf TCP_STREAM and TCP_RR, not {Test}.", nameof(Test)),
    };

    public bool IsNetwork => true;
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateSeconds);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
    public string Probe => "command -v netperf";

    public string Command(SuiteTarget target) => $"netperf -H {target.ServerAddress} -t {Test} -l {Seconds} -c -C";
}
