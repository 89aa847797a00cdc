using System.Globalization;
using System.Security.Cryptography;

namespace VmLab.Lab.Plan;

/// <summary>
/// The order a run executes its scenarios in (../shared/DESIGN.md, "Experimental design"): the run is a sequence of
/// repeat blocks, block <c>r</c> holds every scenario once for repeat <c>r</c>, and each block's order is a
/// permutation drawn from <see cref="Seed"/>. Blocks run one after another and never interleave. Spreading the
/// scenarios over the whole run this way keeps drift and background load (a warming machine, another tenant) from
/// being confounded with one factor, as running each scenario's repeats back to back would.
/// </summary>
/// <remarks>
/// The draw is a Fisher–Yates shuffle driven by SplitMix64 (Steele, Lea, Flood 2014), spelled out here rather than
/// taken from <see cref="Random"/>, so the order of a recorded seed can be recomputed by anyone, in any language.
/// Block <c>r</c>'s permutation depends only on the seed, <c>r</c> and the scenario list.
/// </remarks>
/// <param name="Seed">The seed the blocks were drawn from (recorded in manifest.json and units.json).</param>
/// <param name="Blocks">Scenario ids per block; block index 0 is repeat 1.</param>
public sealed record RunOrder(ulong Seed, IReadOnlyList<IReadOnlyList<string>> Blocks)
{
    /// <summary>Draws the blocks of <paramref name="repeats"/> repeats of <paramref name="scenarios"/> from <paramref name="seed"/>.</summary>
    public static RunOrder Draw(ulong seed, IReadOnlyList<string> scenarios, int repeats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(repeats);
        var blocks = new List<IReadOnlyList<string>>(repeats);
        for (var r = 1; r <= repeats; r++)
        {
            var state = seed ^ (0x9E3779B97F4A7C15UL * (ulong)r); // one independent stream per block
            var block = scenarios.ToArray();
            for (var i = block.Length - 1; i > 0; i--)
            {
                var j = (int)(SplitMix64(ref state) % (ulong)(i + 1));
                (block[i], block[j]) = (block[j], block[i]);
            }

            blocks.Add(block);
        }

        return new RunOrder(seed, blocks);
    }

    /// <summary>
    /// A seed from the operating system's random source, for runs that are not given one: 32 bits, short enough to
    /// type back as <c>--seed</c> and exact in any JSON reader.
    /// </summary>
    public static ulong NewSeed() => BitConverter.ToUInt32(RandomNumberGenerator.GetBytes(4));

    /// <summary>Every (repeat, scenario) in execution order.</summary>
    public IEnumerable<(int Repeat, string Scenario)> Sequence =>
        Blocks.SelectMany((block, i) => block.Select(s => (i + 1, s)));

    /// <summary>"block 1: host, baseline, …" lines, for the plan and the report.</summary>
    public IEnumerable<string> Describe() =>
        Blocks.Select((block, i) => $"block {(i + 1).ToString(CultureInfo.InvariantCulture)}: {string.Join(", ", block)}");

    /// <summary>
    /// Checks that this order fits a plan of <paramref name="scenarios"/> × <paramref name="repeats"/>: as many blocks,
    /// each a permutation of the scenarios. Null when it fits, else why not.
    /// </summary>
    public string? Mismatch(IReadOnlyList<string> scenarios, int repeats)
    {
        if (Blocks.Count != repeats)
        {
            return $"the recorded order has {Blocks.Count} blocks, the plan {repeats} repeats";
        }

        var expected = scenarios.Order(StringComparer.Ordinal).ToList();
        var bad = Blocks.Select((b, i) => (b, i)).FirstOrDefault(x => !x.b.Order(StringComparer.Ordinal).SequenceEqual(expected));
        return bad.b is null ? null
            : $"block {bad.i + 1} of the recorded order ({string.Join(", ", bad.b)}) is not a permutation of the plan's scenarios ({string.Join(", ", scenarios)})";
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
