using System.Collections.Concurrent;
using System.Text.RegularExpressions;

namespace VmLab.Suites;

/// <summary>What the report does with a metric.</summary>
public enum MetricRole
{
    /// <summary>
    /// The one figure of a suite output that is tested (Welch log-ratio test, Holm-adjusted per question) and counted.
    /// A catalog may name several headline metrics when they belong to different outputs (netperf's TCP_STREAM
    /// throughput, TCP_RR transactions); one output never has two.
    /// </summary>
    Headline,

    /// <summary>Shown in the report's tables (mean, sd, CV, ratio) for context, but never tested or counted.</summary>
    Shown,

    /// <summary>Kept in results.json only: sizes, counts, labels, spreads, raw test results.</summary>
    Recorded,
}

/// <summary>
/// What a metric is evidence of: the outcome a question asks about (a time, a rate, an index), or the mechanism
/// behind it (CPU per unit of work, counts per operation). Mechanism metrics are never headlines: they are kept out of
/// a question's headline Holm family, and each question tests them in a family of their own (issue 24).
/// </summary>
public enum MetricKind
{
    /// <summary>A performance outcome: the headline and the figures shown beside it.</summary>
    Outcome,

    /// <summary>
    /// Explains an outcome rather than being one: netperf's CPU utilisation and service demand (µs of CPU per KiB or per
    /// transaction), UnixBench's per-test indices behind its score. Never a headline; tested apart from the headlines.
    /// </summary>
    Mechanism,
}

/// <summary>One metric a suite parser produces, as the report and the statistics read it.</summary>
/// <param name="Id">
/// The metric name in results.json (<c>time_s</c>), or a pattern for names the output decides: <c>*</c> stands for
/// any name part, <c>#</c> for a number (UnixBench's <c>*_index</c>, its N-copy pass <c>c#_*_index</c>, ab's
/// <c>p#_ms</c>).
/// </param>
/// <param name="Unit">The unit, in words a reader knows (<c>s</c>, <c>10^6 bit/s</c>, <c>requests/s</c>); empty for labels.</param>
/// <param name="Direction">Which way the metric improves.</param>
/// <param name="Role">Tested, shown or only recorded.</param>
/// <param name="Group">
/// The measurement the metric derives from. Metrics of one group are views of one measurement (ab's requests/s,
/// transfer rate and time per request are one timed run divided three ways; kernbench's elapsed, user and system
/// times are one timed build), so they are one piece of evidence: only the headline is tested.
/// </param>
/// <param name="Meaning">One line: what the number is.</param>
public sealed record MetricDefinition(string Id, string Unit, MetricDirection Direction, MetricRole Role, string Group, string Meaning)
{
    /// <summary>
    /// Outcome (the default) or mechanism (<see cref="MetricKind"/>); set with <c>{ Kind = MetricKind.Mechanism }</c>.
    /// The statistics keep mechanism metrics out of the headline comparisons (<see cref="IsMechanism"/>).
    /// </summary>
    public MetricKind Kind { get; init; } = MetricKind.Outcome;

    /// <summary>True for a mechanism metric: never a headline, tested in its own family (<see cref="MetricKind.Mechanism"/>).</summary>
    public bool IsMechanism => Kind == MetricKind.Mechanism;

    // Compiled once per pattern; a cache outside the record keeps record equality to the declared values (and Kind).
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new(StringComparer.Ordinal);

    /// <summary>True when <see cref="Id"/> is a pattern (<c>*_index</c>) rather than one name.</summary>
    public bool IsPattern => Id.IndexOfAny(['*', '#']) >= 0;

    /// <summary>True when <paramref name="metric"/> is this metric, or one the pattern stands for.</summary>
    public bool Matches(string metric)
    {
        if (!IsPattern)
        {
            return string.Equals(metric, Id, StringComparison.Ordinal);
        }

        return Patterns.GetOrAdd(Id, id => new Regex(
            "^" + string.Concat(id.Select(c => c switch { '*' => ".+", '#' => "[0-9]+", _ => Regex.Escape(c.ToString()) })) + "$",
            RegexOptions.CultureInvariant)).IsMatch(metric);
    }
}

/// <summary>
/// The metric catalog of one suite: every metric its parser produces, with unit, direction, role and group, and the
/// rule that picks the one headline (tested) metric of an output. One subclass per suite, beside its parser
/// (<c>Suites/&lt;Name&gt;/</c>), registered in <see cref="SuiteRegistry"/>.
/// </summary>
public abstract class MetricCatalog
{
    /// <summary>The suite name, as in <see cref="ISuiteParser.Suite"/>.</summary>
    public abstract string Suite { get; }

    /// <summary>
    /// Every metric, in the order the report shows them. Exact names are matched before patterns, and patterns in
    /// this order, so a specific pattern (<c>c*_index_score</c>) must come before a general one (<c>*_index</c>).
    /// </summary>
    public abstract IReadOnlyList<MetricDefinition> Metrics { get; }

    /// <summary>The definition of <paramref name="metric"/>; null when the parser does not produce such a metric.</summary>
    public MetricDefinition? Find(string metric) =>
        Metrics.FirstOrDefault(m => !m.IsPattern && m.Matches(metric)) ?? Metrics.FirstOrDefault(m => m.IsPattern && m.Matches(metric));

    /// <summary>Which way <paramref name="metric"/> improves; <see cref="MetricDirection.None"/> for unknown names.</summary>
    public MetricDirection Direction(string metric) => Find(metric)?.Direction ?? MetricDirection.None;

    /// <summary>True when the report's tables show <paramref name="metric"/> (headline or shown).</summary>
    public bool IsShown(string metric) => Find(metric)?.Role is MetricRole.Headline or MetricRole.Shown;

    /// <summary>True when <paramref name="metric"/> is a mechanism metric (<see cref="MetricDefinition.IsMechanism"/>); false for unknown names.</summary>
    public bool IsMechanism(string metric) => Find(metric)?.IsMechanism == true;

    /// <summary>
    /// The headline metric of one output (its metrics as parsed): the one figure that is tested. Null when the
    /// output has none (a console log, or an output the suite's rule cannot read a headline from). By default the
    /// first <see cref="MetricRole.Headline"/> metric the output has a number for.
    /// </summary>
    public virtual string? Headline(IReadOnlyDictionary<string, MetricValue> output) =>
        Metrics.Where(m => m.Role == MetricRole.Headline && !m.IsPattern && !m.IsMechanism)
            .Select(m => m.Id)
            .FirstOrDefault(id => output.TryGetValue(id, out var v) && v.IsNumber);
}
