using VmLab.Report;
using VmLab.Suites;
using VmLab.Why;

namespace VmLab.Tests.Why;

/// <summary>The hypotheses declared in code: quotes verbatim from the seed, metrics that exist, and the rule that turns predictions into verdicts.</summary>
public sealed class HypothesesTests
{
    [Fact]
    public void Every_2023_hypothesis_quotes_the_seed_verbatim_from_the_line_it_names()
    {
        // prose/explanations.txt is seed lines 105, 211, 212 and 525, in that order (its README has the command).
        var lines = Fixture.Read("seed-2023", "prose", "explanations.txt").Split('\n');
        var seedLines = new[] { 105, 211, 212, 525 };

        var study = Hypotheses.All.Where(h => h.Source == HypothesisSource.Study2023).ToList();

        Assert.Equal(4, study.Count);
        Assert.All(study, h =>
        {
            Assert.Contains(h.Quote!, lines[Array.IndexOf(seedLines, h.SeedLine!.Value)], StringComparison.Ordinal);
            Assert.False(string.IsNullOrWhiteSpace(h.Gloss), h.Id);
        });
        Assert.All(Hypotheses.All.Where(h => h.Source == HypothesisSource.Textbook), h => Assert.Null(h.Quote));
    }

    [Fact]
    public void Every_prediction_names_a_metric_the_lab_measures_in_outputs_it_runs()
    {
        // The lab runs every suite in every scenario: each question compares all these outputs (hackbench's is labelled with its mode).
        var outputs = new[] { "hackbench process", "kernbench", "netperf TCP_STREAM", "netperf TCP_RR", "ab", "unixbench" };
        Assert.Equal(ReportBuilder.DefaultComparisons.Select(c => c.Question).Order(), Hypotheses.All.Select(h => h.Question).Distinct().Order());

        foreach (var h in Hypotheses.All)
        {
            Assert.NotEmpty(h.Predictions);
            Assert.False(string.IsNullOrWhiteSpace(h.Refutes), h.Id);
            foreach (var p in h.Predictions)
            {
                var covered = outputs.Where(p.Covers).ToList();
                Assert.True(covered.Count > 0 && p.Outputs.All(o => outputs.Any(x => new Prediction(p.Metric, p.Expected, o).Covers(x))), $"{h.Id}: {string.Join(", ", p.Outputs)}");
                var suites = covered.Select(o => o.Split(' ')[0]).Distinct().ToList();
                Assert.True(
                    DerivedMetrics.Find(p.Metric) is { } d ? suites.Any(s => DerivedMetrics.Of(s).Contains(d)) : suites.All(s => SuiteRegistry.Catalog(s).Find(p.Metric) is not null),
                    $"{h.Id}: {p.Metric} is neither a derived metric of {string.Join(", ", suites)} nor one of their own");
            }
        }

        Assert.Equal(Hypotheses.All.Count, Hypotheses.All.Select(h => h.Id).Distinct().Count());
    }

    [Fact]
    public void The_UnixBench_tests_a_hypothesis_names_are_spelled_as_the_parser_names_a_whole_index_runs_tests()
    {
        var index = SuiteParsers.Get("unixbench").Parse(Fixture.Read("arm64", "unixbench-index-i2-c1.txt")).Measurement!.Metrics; // all 12 tests

        var named = Hypotheses.All.SelectMany(h => h.Predictions).Where(p => p.Outputs.Contains("unixbench")).Select(p => p.Metric).ToList();

        Assert.Equal(3, named.Count);
        Assert.All(named, m => Assert.True(index.ContainsKey(m), m));
    }

    [Theory]
    [InlineData(new PredictionOutcome[0], HypothesisOutcome.NotMeasured)]
    [InlineData(new[] { PredictionOutcome.Open, PredictionOutcome.Open }, HypothesisOutcome.Undecided)]
    [InlineData(new[] { PredictionOutcome.Holds, PredictionOutcome.Open }, HypothesisOutcome.Supported)]
    [InlineData(new[] { PredictionOutcome.Opposite, PredictionOutcome.Open }, HypothesisOutcome.Refuted)]
    [InlineData(new[] { PredictionOutcome.Equivalent }, HypothesisOutcome.Refuted)]
    [InlineData(new[] { PredictionOutcome.Holds, PredictionOutcome.Equivalent }, HypothesisOutcome.Undecided)]
    [InlineData(new[] { PredictionOutcome.Holds, PredictionOutcome.Opposite }, HypothesisOutcome.Undecided)]
    public void A_verdict_is_supported_refuted_undecided_or_not_measured_by_its_predictions_outcomes(PredictionOutcome[] outcomes, HypothesisOutcome expected)
    {
        Assert.Equal(expected, HypothesisVerdict.Of(outcomes));
    }
}
