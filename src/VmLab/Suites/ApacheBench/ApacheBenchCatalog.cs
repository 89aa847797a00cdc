using static VmLab.Suites.MetricDirection;
using static VmLab.Suites.MetricRole;

namespace VmLab.Suites;

/// <summary>
/// ab's metrics (<see cref="ApacheBenchParser"/>). Requests per second is the headline; transfer rate and time per
/// request are the same timed run divided differently, and the connection times describe the same requests, so
/// they are shown, not tested. The 2023 report quoted only the connection-times table of some runs: such a
/// partial output has no summary, and its headline is the mean total time per request (the same quantity as time
/// per request, read from the table).
/// </summary>
public sealed class ApacheBenchCatalog : MetricCatalog
{
    private const string Run = "ab run";
    private const string Times = "ab run's connection times";
    private const string Percentiles = "ab run's percentiles";

    /// <inheritdoc />
    public override string Suite => ApacheBenchParser.Id;

    /// <inheritdoc />
    public override IReadOnlyList<MetricDefinition> Metrics { get; } =
    [
        new("requests_per_s", "requests/s", HigherIsBetter, MetricRole.Headline, Run, "completed requests / total time"),
        new("transfer_rate_kbps", "KiB/s", HigherIsBetter, Shown, Run, "bytes received / total time (ab's Kbytes/sec)"),
        new("time_per_request_ms", "ms", LowerIsBetter, Shown, Run, "concurrency × total time / completed requests (ab's mean)"),
        new("connect_mean", "ms", LowerIsBetter, Shown, Times, "mean time to connect"),
        new("processing_mean", "ms", LowerIsBetter, Shown, Times, "mean time from connect to the last byte"),
        new("waiting_mean", "ms", LowerIsBetter, Shown, Times, "mean time from the request sent to the first byte"),
        new("total_mean", "ms", LowerIsBetter, Shown, Times, "mean total time per request (the headline of a connection-times-only output)"),
        new("complete_requests", "requests", None, Recorded, Run, "requests completed"),
        new("failed_requests", "requests", LowerIsBetter, Recorded, Run, "requests that failed (makes the run invalid)"),
        new("non2xx_responses", "responses", LowerIsBetter, Recorded, Run, "responses with a non-2xx status (makes the run invalid)"),
        new("document_length", "bytes", None, Recorded, Run, "size of the first response's body"),
        new("*_sd", "ms", None, Recorded, Times, "spread of a connection-times row"),
        new("p#_ms", "ms", LowerIsBetter, Recorded, Percentiles, "the time within which that percentage of requests was served"),
        new("connect_*", "ms", LowerIsBetter, Recorded, Times, "min, median or max of the connect row"),
        new("processing_*", "ms", LowerIsBetter, Recorded, Times, "min, median or max of the processing row"),
        new("waiting_*", "ms", LowerIsBetter, Recorded, Times, "min, median or max of the waiting row"),
        new("total_*", "ms", LowerIsBetter, Recorded, Times, "min, median or max of the total row"),
    ];

    /// <inheritdoc />
    public override string? Headline(IReadOnlyDictionary<string, MetricValue> output) =>
        base.Headline(output) ?? (output.TryGetValue("total_mean", out var total) && total.IsNumber ? "total_mean" : null);
}
