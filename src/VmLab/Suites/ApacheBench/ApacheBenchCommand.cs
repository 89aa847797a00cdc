namespace VmLab.Suites;

/// <summary>
/// Apache's ab against apache2 in the measured system: the study's <c>ab -n 100000 -c 100 http://SRV/gcc/index.html</c>.
/// The document must exist: the study's guest runs fetched a 404 page 100000 times (the parser flags it).
/// </summary>
public sealed record ApacheBenchCommand(int Requests, int Concurrency, string Path, double EstimateSeconds, double TimeoutSeconds) : ILabSuite
{
    public string Id => ApacheBenchParser.Id;
    public bool IsNetwork => true;
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateSeconds);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
    public string Probe => "command -v ab";

    public string Command(SuiteTarget target) => $"ab -n {Requests} -c {Concurrency} http://{target.ServerAddress}{Path}";
}
