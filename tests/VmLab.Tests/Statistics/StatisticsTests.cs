using VmLab.Statistics;
using VmLab.Suites;

namespace VmLab.Tests.Statistics;

/// <summary>
/// Statistics against values computed independently of MathNet: published examples, re-checked with a plain
/// Python script (the textbook formulas and a numeric integration of the t density, no statistics library).
/// </summary>
public sealed class StatisticsTests
{
    // Wikipedia, "Welch's t-test", Examples (example 1): Welch t = 2.46, df ≈ 25.0, p = 0.021.
    // Python (formulas + integration): t = 2.455356, df = 24.988529, p = 0.021378.
    private static readonly double[] WelchExample1A = [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4];
    private static readonly double[] WelchExample1B = [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4];

    // Same article, example 2 (unequal sizes and variances): t = 1.57, df = 9.9, p = 0.149.
    // Python: t = 1.565434, df = 9.904741, p = 0.148842.
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
    public void One_value_has_a_mean_and_no_spread()
    {
        var s = SampleSummary.Of([57.819]);

        Assert.Equal((1, 57.819), (s.N, s.Mean));
        Assert.Null(s.Sd);
        Assert.Null(s.CiLow);
    }

    [Theory]
    [InlineData(1, 2.455356, 24.988529, 0.021378)]
    [InlineData(2, 1.565434, 9.904741, 0.148842)]
    public void Welch_test_matches_the_published_examples(int example, double t, double df, double p)
    {
        var (a, b) = example == 1 ? (WelchExample1A, WelchExample1B) : (WelchExample2A, WelchExample2B);

        var c = MetricComparison.Of(a, b, MetricDirection.HigherIsBetter);

        Assert.Equal(t, c.T!.Value, 5);
        Assert.Equal(df, c.Df!.Value, 5);
        Assert.Equal(p, c.P!.Value, 5);
        Assert.Equal(b.Average() / a.Average(), c.Ratio!.Value, 12);
    }

    [Fact]
    public void Higher_is_better_significant_increase_is_faster_and_lower_is_better_is_slower()
    {
        // Example 1: B's mean is higher with p = 0.021 < 0.05.
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
    }

    [Fact]
    public void Ratio_interval_contains_the_ratio_and_excludes_one_exactly_when_significant()
    {
        var significant = MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.HigherIsBetter);
        var not = MetricComparison.Of(WelchExample2A, WelchExample2B, MetricDirection.HigherIsBetter);

        Assert.InRange(significant.Ratio!.Value, significant.RatioCiLow!.Value, significant.RatioCiHigh!.Value);
        Assert.True(significant.RatioCiLow > 1);
        Assert.InRange(1.0, not.RatioCiLow!.Value, not.RatioCiHigh!.Value);
    }

    [Fact]
    public void Single_runs_are_inconclusive_with_the_reason_and_still_show_the_ratio()
    {
        // The 2023 study's Q1 hackbench: 57.819 s on 2 vCPUs, 120.622 s on 1.
        var c = MetricComparison.Of([57.819], [120.622], MetricDirection.LowerIsBetter);

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Equal(120.622 / 57.819, c.Ratio!.Value, 12);
        Assert.Null(c.P);
        Assert.StartsWith("n=1", c.Reason);
    }

    [Fact]
    public void Invalid_data_is_inconclusive_however_small_p_is_but_the_numbers_are_still_computed()
    {
        var c = MetricComparison.Of(WelchExample1A, WelchExample1B, MetricDirection.HigherIsBetter, untrusted: "invalid data");

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Equal("invalid data", c.Reason);
        Assert.Equal(0.021378, c.P!.Value, 5);
    }

    [Fact]
    public void No_spread_on_either_side_cannot_be_tested()
    {
        var c = MetricComparison.Of([10, 10, 10], [12, 12, 12], MetricDirection.LowerIsBetter);

        Assert.Equal(Verdict.Inconclusive, c.Verdict);
        Assert.Contains("no spread", c.Reason);
    }
}
