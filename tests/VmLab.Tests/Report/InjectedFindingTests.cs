using VmLab.Common;
using VmLab.Report;
using VmLab.Results;
using VmLab.Statistics;

namespace VmLab.Tests.Report;

/// <summary>
/// A console finding reaches the verdicts of a real run: a copy of every committed lab run (a results/&lt;run-id&gt;/ with a
/// units.json) gets an RCU stall line in the L1 console of its first baseline boot; after a re-parse, every comparison
/// that uses that boot's units is inconclusive with the console finding in its why cell, and nothing else changed.
/// </summary>
public sealed class InjectedFindingTests : IDisposable
{
    private static readonly string ResultsDir = RepoPaths.Find(AppContext.BaseDirectory).ResultsDir;

    private readonly string _temp = Directory.CreateTempSubdirectory("vmlab-inject-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    public static TheoryData<string> LabRuns() =>
    [
        .. Directory.GetDirectories(ResultsDir)
            .Where(d => File.Exists(Path.Combine(d, "units.json")) && File.Exists(Path.Combine(d, "results.json")))
            .Select(d => Path.GetFileName(d))
            .Order(StringComparer.Ordinal),
    ];

    [Theory]
    [MemberData(nameof(LabRuns))]
    public void An_RCU_stall_on_L1s_console_of_the_first_baseline_boot_makes_every_comparison_using_its_units_inconclusive(string runId)
    {
        var copy = new RunDirectory(Path.Combine(_temp, runId));
        CopyDirectory(Path.Combine(ResultsDir, runId), copy.Path);
        var before = RunParser.Parse(copy);
        var boot = before.Boots!.Where(b => b.Scenario == "baseline").MinBy(b => b.Boot)!;
        var tainted = before.Units.Where(u => u.Scenario == "baseline" && u.Suite != "console" && u.Repeat == boot.Repeat.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToList();
        Assert.NotEmpty(tainted);

        File.AppendAllText(Path.Combine(copy.RawDir, "baseline", $"console-{boot.Boot}.log"), "[  120.622431] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:\n");
        var after = RunParser.Parse(copy);

        // The boot's units carry the finding; every other unit's problems are what they were.
        foreach (var unit in after.Units.Where(u => u.Suite != "console"))
        {
            var was = before.Units.Single(u => u.File == unit.File);
            if (tainted.Any(t => t.File == unit.File))
            {
                Assert.Contains(unit.Problems, p => p.StartsWith($"console: L1 of boot {boot.Boot}: 1 RCU stall", StringComparison.Ordinal));
            }
            else
            {
                Assert.Equal(was.Problems, unit.Problems);
            }
        }

        // Every comparison of a suite the boot ran is inconclusive, and says why.
        var (model, _) = ReportBuilder.Build(new RunData(copy.ReadManifest(), after), null);
        var suites = tainted.Select(u => u.Suite).ToHashSet(StringComparer.Ordinal);
        var rows = model.Questions.SelectMany(q => q.Suites).Where(t => suites.Contains(t.Suite)).SelectMany(t => t.Rows).ToList();
        Assert.Contains(rows, r => r.Headline);
        Assert.All(rows.Where(r => r.Headline), r =>
        {
            Assert.Equal(Verdict.Inconclusive, r.Verdict);
            Assert.Contains("console:", r.Reason, StringComparison.Ordinal);
        });

        // The metrics shown beside a headline are never tested, so never a verdict either way.
        Assert.DoesNotContain(rows, r => r.Verdict is Verdict.Faster or Verdict.Slower);
    }

    private static void CopyDirectory(string from, string to)
    {
        foreach (var dir in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(dir.Replace(from, to, StringComparison.Ordinal));
        }

        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
        }
    }
}
