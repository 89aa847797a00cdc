using System.Globalization;
using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Statistics;

/// <summary>
/// Statistics against values computed independently of MathNet and of VmLab: independent_check.py (beside this file;
/// its output is in README.md) writes the formulas out in plain Python, integrates the t density numerically and
/// reads the fixtures' raw files itself.
/// </summary>
public sealed class StatisticsTests
{
    // Wikipedia, "Welch's t-test", Examples: the published data sets (example 1: equal sizes; example 2: unequal
    // sizes and variances). The expected values of the log-ratio test are independent_check.py's output (README.md).
    private static readonly double[] WelchExample1A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    private static readonly double[] WelchExample1B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];
    private static readonly double[] WelchExample2A = [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8];
    private static readonly double[] WelchExample2B = [21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5, 23.5, 21.5, 21.8];

    [Fact]
    public void Summary_of_the_textbook_sample_matches_hand_computed_mean_sd_and_t_interval()
    {
        // {2,4,4,4,5,5,7,9}: mean 5, sample sd sqrt(32/7) = 2.138090; t(0.975, 7) = 2.364624 (t tables, e.g.
        // NIST/SEMATECH e-Handbook 1.3.6.7.2: 2.365), so the 95% CI is 5 ± 2.364624·2.138090/√8 = [3.212512, 6.787488].
        var s = SampleSummary.Of([2, 4, 4, 4, 5, 5, 7, 9]);

        Assert.Equal(8, s.N);
        Assert.Equal(5, s.Mean, 12);
        Assert.Equal(2.138090, s.Sd!.Value, 6);
        Assert.Equal(2.138090 / 5, s.Cv!.Value, 6);
        Assert.Equal(3.212512, s.CiLow!.Value, 5);
        Assert.Equal(6.787488, s.CiHigh!.Value, 5);
    }

    [Fact]
    public void T_quantiles_match_scipys_out_to_Holms_strictest_level_in_a_family_of_a_hundred_at_one_degree_of_freedom()
    {
        // fixtures/statistics/t-quantiles.tsv: scipy's t.ppf (command in its header), down to 1 - 0.05/400 at df 1
        // (t = 2546.5), where MathNet's own InvCDF gives up.
        var rows = Fixture.Read("statistics", "t-quantiles.tsv").Split('\n')
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l.Split('\t').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())
            .ToList();

        Assert.Equal(42, rows.Count);
        foreach (var r in rows)
        {
            var (df, p, expected) = (r[0], r[1], r[2]);
            Assert.True(Math.Abs(TQuantile.Of(df, p) - expected) <= 1e-7 * Math.Abs(expected), $"df {df}, p {p}: {TQuantile.Of(df, p)}, scipy {expected}");
        }
    }

    [Fact]
    public void One_value_has_a_mean_and_no_spread()
    {
        var s = SampleSummary.Of([57.819]);

        Assert.Equal((1, 57.819), (s.N, s.Mean));
        Assert.Null(s.Sd);
        Assert.Null(s.CiLow);
    }

    [Theory]
    [InlineData(1, 1.104067, 2.407469, 23.612447, 0.024253, 1.014154, 1.201951, 0.127713)]
    [InlineData(2, 1.073993, 1.515002, 9.783251, 0.161392, 0.966651, 1.193255, 0.158078)]
    public void Log_ratio_welch_test_matches_an_independent_computation(
        int example, double ratio, double t, double df, double p, double low, double high, double mde)
    {
        var (a, b) = example == 1 ? (WelchExample1A, WelchExample1B) : (WelchExample2A, WelchExample2B);

        var c = MetricComparison.Of(a, b, MetricDirection.HigherIsBetter);

        Assert.Equal(ratio, c.Ratio!.Value, 6);
        Assert.Equal(t, c.T!.Value, 5);
        Assert.Equal(df, c.Df!.Value, 5);
        Assert.Equal(p, c.P!.Value, 5);
        Assert.Equal(low, c.RatioCiLow!.Value, 5);
        Assert.Equal(high, c.RatioCiHigh!.Value, 5);
        Assert.Equal(mde, c.MinimumDetectableChange!.Value, 5);
        Assert.Equal((1, (double?)null), (c.FamilySize, c.PAdjusted));
    }

    [Fact]
    public void Higher_is_better_significant_increase_is_faster_and_lower_is_better_is_slower()
    {
        // Example 1: B's mean is higher with p = 0.024 < 0.05.
        Assert.Equal(Verdict.Faster, MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.HigherIsBetter).Verdict);
        Assert.Equal(Verdict.Slower, MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.LowerIsBetter).Verdict);
        Assert.Equal(Verdict.Faster, MetricComparison.Of(WelchExample1B, WelchExample1A, MetricDirection.LowerIsBetter).Verdict);
    }

    [Fact]
    public void P_above_five_percent_is_no_significant_difference()
    {
        var c = MetricComparison.Of(WelchExample2A, WelchExample2B, MetricDirection.HigherIsBetter);

        Assert.Equal(Verdict.NoSignificantDifference, c.Verdict);
        Assert.Null(c.Reason);
        Assert.True(c.Tested);
    }

    [Fact]
    public void Verdict_is_significant_exactly_when_the_ratio_interval_excludes_one_over_many_generated_samples()
    {
        // Property: one test gives both, so "significant" and "the 95% interval excludes 1" never disagree. Samples
        // of 2 to 8 repeats, spreads from 0.5% to 80% (log-normal, so every value is positive), effects from none
        // to 2×, unequal sizes and spreads; a fixed seed keeps the test repeatable.
        var random = new Random(20261125);
        double Normal() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        double[] Sample(int n, double mean, double cv) => [.. Enumerable.Range(0, n).Select(_ => mean * Math.Exp(cv * Normal()))];

        int significant = 0, not = 0;
        for (var i = 0; i < 20000; i++)
        {
            var cvA = Math.Exp(random.NextDouble() * Math.Log(160)) * 0.005;
            var cvB = cvA * Math.Exp((random.NextDouble() - 0.5) * 2);
            var effect = random.NextDouble() < 0.3 ? 1 : Math.Exp((random.NextDouble() - 0.5) * 1.4);
            var a = Sample(random.Next(2, 9), 100 * random.NextDouble() + 0.1, cvA);
            var b = Sample(random.Next(2, 9), a.Average() * effect, cvB);
            var c = MetricComparison.Of(a, b, random.Next(2) == 0 ? MetricDirection.HigherIsBetter : MetricDirection.LowerIsBetter);

            var excludesOne = c.RatioCiLow > 1 || c.RatioCiHigh < 1;
            var isSignificant = c.Verdict is Verdict.Faster or Verdict.Slower;
            Assert.True(excludesOne == isSignificant, $"sample {i}: p={c.P}, CI {c.RatioCiLow}–{c.RatioCiHigh}, verdict {c.Verdict}");
            Assert.InRange(c.Ratio!.Value, c.RatioCiLow!.Value, c.RatioCiHigh!.Value);
            if (isSignificant)
            {
                // Faster means better in the metric's own direction, and the interval lies on that side of 1.
                Assert.Equal(c.Verdict == Verdict.Faster, (c.RatioCiLow > 1) == (c.Direction == MetricDirection.HigherIsBetter));
                significant++;
            }
            else
            {
                not++;
            }

            // After Holm's adjustment a verdict can only get weaker: significant after Holm ⇒ the interval excludes 1.
            var adjusted = c.InFamily(Math.Min(1, c.P!.Value * 3), 3);
            Assert.True(adjusted.Verdict is not (Verdict.Faster or Verdict.Slower) || excludesOne);
        }

        Assert.True(significant > 2000 && not > 2000, $"{significant} significant, {not} not: the generator does not cover both");
    }

    [Fact]
    public void Single_runs_are_inconclusive_with_the_reason_and_still_show_the_ratio()
    {
        // The 2023 study's Q1 hackbench: 57.819 s on 2 vCPUs, 120.622 s on 1.
        var c = MetricComparison.Of([57.819], [120.622], MetricDirection.LowerIsBetter);

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Equal(120.622 / 57.819, c.Ratio!.Value, 12);
        Assert.Null(c.P);
        Assert.Null(c.MinimumDetectableChange);
        Assert.False(c.Tested);
        Assert.StartsWith("n=1", c.Reason);
    }

    [Fact]
    public void Invalid_data_is_inconclusive_however_small_p_is_but_the_numbers_are_still_computed()
    {
        var c = MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.HigherIsBetter, untrusted: "invalid data: x/hackbench/1: console: stall");

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Equal("invalid data: x/hackbench/1: console: stall", c.Reason);
        Assert.Equal(0.024253, c.P!.Value, 5);
        Assert.False(c.Tested);
        Assert.Same(c, c.InFamily(0.01, 2)); // never in a family
    }

    [Fact]
    public void Invalid_and_single_run_gives_both_reasons_the_invalid_data_first()
    {
        var c = MetricComparison.Of([1.0], [2.0], MetricDirection.LowerIsBetter, untrusted: "invalid data: a/ab/1: 404");

        Assert.Equal("invalid data: a/ab/1: 404; n=1: a single run has no spread to test against", c.Reason);
    }

    [Fact]
    public void No_spread_on_either_side_cannot_be_tested()
    {
        var c = MetricComparison.Of([10, 10, 10], [12, 12, 12], MetricDirection.LowerIsBetter);

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Contains("no spread", c.Reason);
    }

    [Fact]
    public void A_mean_of_zero_has_no_log_ratio_and_is_not_tested()
    {
        var c = MetricComparison.Of([0, 0, 0], [1, 2, 3], MetricDirection.LowerIsBetter);

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Contains("no logarithm", c.Reason);
    }

    [Fact]
    public void Holm_matches_the_textbook_step_down()
    {
        // Sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1 = 0.02, 0.03, 0.06, 0.04; running maximum 0.02, 0.03, 0.06, 0.06.
        Assert.Equal([0.03, 0.06, 0.06, 0.02], Holm.Adjust([0.01, 0.04, 0.03, 0.005]).Select(p => Math.Round(p, 12)));
        Assert.Equal([1.0, 1.0], Holm.Adjust([0.6, 0.9]));
        Assert.Empty(Holm.Adjust([]));
    }

    [Fact]
    public void Holm_over_real_comparisons_matches_an_independent_computation_and_leaves_inconclusive_ones_out()
    {
        // The two Welch examples and the synthetic run's three comparisons (its raw files' numbers) as one family of
        // five, plus a single-run comparison that is inconclusive and so not in the family. independent_check.py:
        // p 0.024253, 0.161392, 0.001768, 0.040667, 0.011066 → Holm 0.072758, 0.161392, 0.008841, 0.081334, 0.044265.
        var baselineHackbench = Synthetic("baseline", "hackbench", "time_s");
        var comparisons = new[]
        {
            MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.HigherIsBetter),
            MetricComparison.Of(WelchExample2A, WelchExample2B, MetricDirection.HigherIsBetter),
            MetricComparison.Of([57.819], [120.622], MetricDirection.LowerIsBetter),
            MetricComparison.Of(baselineHackbench, Synthetic("guest-up", "hackbench", "time_s"), MetricDirection.LowerIsBetter),
            MetricComparison.Of(Synthetic("baseline", "netperf", "transactions_per_s"), Synthetic("guest-vhost-off", "netperf", "transactions_per_s"), MetricDirection.HigherIsBetter),
            MetricComparison.Of(Synthetic("host", "hackbench", "time_s"), baselineHackbench, MetricDirection.LowerIsBetter),
        };

        var adjusted = Holm.Apply(comparisons);

        Assert.Equal([0.024253, 0.161392, 0.001768, 0.040667, 0.011066], adjusted.Where(c => c.Tested).Select(c => Math.Round(c.P!.Value, 6)));
        Assert.Equal([0.072758, 0.161392, 0.008841, 0.081334, 0.044265], adjusted.Where(c => c.Tested).Select(c => Math.Round(c.PAdjusted!.Value, 6)));
        Assert.All(adjusted.Where(c => c.Tested), c => Assert.Equal(5, c.FamilySize));
        Assert.Same(comparisons[2], adjusted[2]);

        // Example 1 and the TCP_RR comparison are below 0.05 alone but not after Holm: the verdict follows the
        // adjusted p, and the why says so.
        Assert.Equal(
            [Verdict.NoSignificantDifference, Verdict.NoSignificantDifference, Verdict.Inconclusive, Verdict.Slower, Verdict.NoSignificantDifference, Verdict.Slower],
            adjusted.Select(c => c.Verdict));
        // At the family's level (Bonferroni, 1 - 0.05/5) example 1's interval contains 1; independent_check.py: [0.983953, 1.238842].
        Assert.Equal("p < 0.05 alone, not after Holm's adjustment for 5 comparisons: at the family's level (99% CI, Bonferroni) 0.984–1.239, which contains 1", adjusted[0].Reason);
        Assert.Equal(0.983953, adjusted[0].FamilyInterval!.Value.Low, 6);
        Assert.Equal(1.238842, adjusted[0].FamilyInterval!.Value.High, 6);
        Assert.Null(adjusted[1].Reason);
    }

    // One metric of one scenario of the synthetic run, parsed from its raw files.
    private static double[] Synthetic(string scenario, string suite, string metric) =>
    [
        .. Directory.GetFiles(Fixture.Path("synthetic-run", "raw", scenario, suite), "*.txt").Order(StringComparer.Ordinal)
            .Select(f => SuiteParsers.Get(suite).Parse(File.ReadAllText(f)).Measurement!.Number(metric)!.Value),
    ];
}
