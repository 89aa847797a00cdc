namespace VmLab.Suites;

/// <summary>
/// rt-tests hackbench, Debian's offline equivalent of the study's LTP <c>hackbench 50 process 50</c>:
/// <c>hackbench -g 50 -l 50 -P</c> (groups of 20 senders and 20 receivers, processes, 50 loops).
/// </summary>
public sealed record HackbenchCommand(int Groups, int Loops, double EstimateSeconds, double TimeoutSeconds) : ILabSuite
{
    public string Id => HackbenchParser.Id;
    public bool IsNetwork => false;
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateSeconds);
    public TimeSpan Timeout => TimeSpan.FromSeconds(TimeoutSeconds);
    public string Probe => "command -v hackbench";

    public string Command(SuiteTarget target) => $"hackbench -g {Groups} -l {Loops} -P";
}
