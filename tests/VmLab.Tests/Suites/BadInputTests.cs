using System.Text;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>What every parser must refuse, with a one-line reason and without throwing.</summary>
public sealed class BadInputTests
{
    public static TheoryData<string> Suites => [.. SuiteParsers.Names];

    [Theory]
    [MemberData(nameof(Suites))]
    public void Empty_and_blank_files_are_unrecognised(string suite)
    {
        var parser = SuiteParsers.Get(suite);

        Assert.Equal("the file is empty", parser.Unrecognised(""));
        Assert.Equal("the file is empty", parser.Unrecognised(" \n\r\n\t\n"));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_binary_file_is_unrecognised(string suite)
    {
        // The start of a real binary (the vmlab CLI's assembly), read as text the way the CLI reads files.
        var bytes = File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "VmLab.Cli.dll")).AsSpan(0, 4096).ToArray();
        var text = Encoding.UTF8.GetString(bytes);

        Assert.Equal("the file is binary data, not text", SuiteParsers.Get(suite).Unrecognised(text));
    }

    [Theory]
    [MemberData(nameof(Suites))]
    public void A_result_followed_by_binary_garbage_is_unrecognised(string suite)
    {
        // A disk-full or crashed writer can leave a real result followed by zeroes.
        var file = SuiteFixtures.Results.Select(r => (string)r.Data).First(f => SuiteFixtures.SuiteOf(f) == suite);
        var text = SuiteFixtures.Read(file) + new string('\0', 4096);

        Assert.Equal("the file is binary data, not text", SuiteParsers.Get(suite).Unrecognised(text));
    }

    public static TheoryData<string> BenchmarkSuites => [.. SuiteParsers.Names.Where(n => n != "console")];

    [Theory]
    [MemberData(nameof(BenchmarkSuites))]
    public void Another_suites_output_is_unrecognised(string suite)
    {
        // (The console scan reads any text: a console carries every kind of output.)
        var parser = SuiteParsers.Get(suite);
        var others = SuiteFixtures.Results.Select(r => (string)r.Data).Where(f => SuiteFixtures.SuiteOf(f) != suite);

        Assert.All(others, other =>
        {
            var result = parser.Parse(SuiteFixtures.Read(other));
            Assert.False(result.Recognised, $"{suite} recognised {other}");
        });
    }

    [Theory]
    [MemberData(nameof(ResultsData))]
    public void Every_prefix_of_a_real_output_is_either_refused_or_a_subset_of_the_full_result(string file)
    {
        // Cutting a file at any line must never invent numbers: a prefix is unrecognised, or (when the cut falls
        // after everything the parser needs) it yields the same values as the whole file for the metrics it has.
        var suite = SuiteFixtures.SuiteOf(file);
        var parser = SuiteParsers.Get(suite);
        var text = SuiteFixtures.Read(file);
        var full = parser.Recognised(text);
        var lineEnds = Enumerable.Range(0, text.Length).Where(i => text[i] == '\n').ToArray();

        foreach (var end in lineEnds)
        {
            var prefix = parser.Parse(text[..end]);
            if (prefix.Measurement is { } partial)
            {
                Assert.All(partial.Metrics, kv => Assert.Equal(full.Metrics[kv.Key], kv.Value));
            }
        }
    }

    public static TheoryData<string> ResultsData => SuiteFixtures.Results;
}
