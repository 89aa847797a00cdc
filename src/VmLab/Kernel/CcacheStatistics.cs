using System.Globalization;
using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Kernel;

/// <summary>ccache's counters (<c>ccache --print-stats</c>), read before and after a build to measure what it saved.</summary>
public sealed record CcacheStatistics(long DirectHits, long PreprocessedHits, long Misses)
{
    public long Hits => DirectHits + PreprocessedHits;

    public static CcacheStatistics operator -(CcacheStatistics after, CcacheStatistics before) =>
        new(after.DirectHits - before.DirectHits, after.PreprocessedHits - before.PreprocessedHits, after.Misses - before.Misses);

    /// <summary>Parses the tab-separated <c>name value</c> lines of <c>ccache --print-stats</c>.</summary>
    public static CcacheStatistics Parse(string printStats)
    {
        var values = printStats.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('\t'))
            .Where(p => p.Length == 2)
            .ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture), StringComparer.Ordinal);
        long Read(string name) => values.GetValueOrDefault(name);
        return new CcacheStatistics(Read("direct_cache_hit"), Read("preprocessed_cache_hit"), Read("cache_miss"));
    }

    public static async Task<CcacheStatistics> ReadAsync(string ccacheDir, CancellationToken cancellationToken)
    {
        var result = await Cli.Wrap("ccache").WithArguments("--print-stats")
            .WithEnvironmentVariables(e => e.Set("CCACHE_DIR", ccacheDir))
            .ExecuteBufferedAsync(cancellationToken);
        return Parse(result.StandardOutput);
    }
}
