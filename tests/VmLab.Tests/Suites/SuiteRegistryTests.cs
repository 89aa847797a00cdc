using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Plan;
using VmLab.Results;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>
/// What docs/ADDING-A-SUITE.md promises, checked for every registered suite: one folder holding its parser, catalog,
/// command and profile settings; a catalog with one headline per output; commands the lab runs whose outputs map back to the suite;
/// and no file of src/ outside Suites/ naming a suite by a string literal.
/// </summary>
public sealed partial class SuiteRegistryTests
{
    private static readonly RepoPaths Repo = RepoPaths.Find(AppContext.BaseDirectory);

    private static string SuitesDir => Path.Combine(Repo.Root, "src", "VmLab", "Suites");

    public static TheoryData<string> Ids => [.. SuiteRegistry.All.Select(s => s.Id)];

    public static TheoryData<string> Profiles => ["smoke", "quick", "full"];

    /// <summary>Where type <paramref name="type"/> is declared: <c>src/VmLab/Suites/&lt;Folder&gt;/&lt;Type&gt;.cs</c>.</summary>
    private static string FolderOf(Type type)
    {
        var files = Directory.GetFiles(SuitesDir, type.Name + ".cs", SearchOption.AllDirectories);
        Assert.True(files.Length == 1, $"{type.Name}.cs: expected one file under src/VmLab/Suites/, found {files.Length}");
        var folder = Path.GetDirectoryName(files[0])!;
        Assert.Equal(SuitesDir, Path.GetDirectoryName(folder));
        return Path.GetFileName(folder);
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_suite_is_one_folder_with_its_parser_catalog_and_command(string id)
    {
        var suite = SuiteRegistry.Get(id);
        var folder = FolderOf(suite.Parser.GetType());

        Assert.Equal((id, id), (suite.Parser.Suite, suite.Catalog.Suite));
        Assert.Equal(folder, FolderOf(suite.Catalog.GetType()));
        Assert.All(
            suite.Commands(LabProfiles.Load(Repo, "smoke")),
            c => Assert.Equal(folder, FolderOf(c.GetType())));
        if (suite.Settings is { } settings)
        {
            Assert.Equal(folder, FolderOf(settings.Type));
        }
    }

    [Theory]
    [MemberData(nameof(Ids))]
    public void Each_catalog_has_one_headline_per_output_and_the_console_none(string id)
    {
        var suite = SuiteRegistry.Get(id);
        var headlines = suite.Catalog.Metrics.Where(m => m.Role == MetricRole.Headline).ToList();

        if (!suite.IsBenchmark)
        {
            Assert.Empty(headlines);
            return;
        }

        Assert.NotEmpty(headlines);
        Assert.Equal(headlines.Count, headlines.Select(m => m.Group).Distinct().Count()); // one per measurement
        Assert.All(headlines, m => Assert.NotEqual(MetricDirection.None, m.Direction));
    }

    [Theory]
    [MemberData(nameof(Profiles))]
    public void Every_benchmark_has_commands_whose_outputs_map_back_to_it(string profile)
    {
        var lab = LabProfiles.Load(Repo, profile);

        foreach (var suite in SuiteRegistry.All)
        {
            var commands = suite.Commands(lab).ToList();
            Assert.Equal(suite.IsBenchmark, commands.Count > 0);
            Assert.All(commands, c => Assert.Same(suite, SuiteRegistry.OfOutput(c.Id)));
            Assert.All(commands, c => Assert.Equal(suite.Id, RunParser.SuiteOf(c.Id)));
        }

        Assert.Equal(SuiteRegistry.Commands(lab).Select(c => c.Id), lab.Suites.Select(c => c.Id));
        Assert.Equal(lab.Suites.Count, lab.Suites.Select(c => c.Id).Distinct().Count());
    }

    [Fact]
    public void A_boot_runs_the_network_suites_first()
    {
        var order = LabProfiles.Load(Repo, "quick").Suites.Select(s => s.Id);

        Assert.Equal(["netperf-stream", "netperf-rr", "ab", "hackbench", "kernbench", "unixbench"], order);
    }

    [Fact]
    public void Every_output_of_a_committed_run_has_one_headline()
    {
        var outputs = LabProfiles.Load(Repo, "smoke").Suites.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(Repo.ResultsDir, "*.txt", SearchOption.AllDirectories))
        {
            var output = Path.GetFileName(Path.GetDirectoryName(file)!);
            if (outputs.Contains(output) && SuiteRegistry.OfOutput(output) is { } suite
                && suite.Parser.Parse(File.ReadAllText(file)).Measurement is { } measurement
                && suite.Catalog.Headline(measurement.Metrics) is not null)
            {
                seen.Add(output);
            }
        }

        Assert.Equal(outputs.Order(StringComparer.Ordinal), seen.Order(StringComparer.Ordinal));
    }

    /// <summary>
    /// Literals equal to a suite or output id that are not the suite: a Debian package of the same name and the
    /// UnixBench source in rootfs/sources.json (a source, pinned like the kernel, not the suite).
    /// </summary>
    private static readonly HashSet<(string File, string Literal)> NotTheSuite =
    [
        ("src/VmLab/Lab/Artifacts/ArtifactProvenance.cs", "netperf"),
        ("src/VmLab/Rootfs/BenchmarkSources.cs", "unixbench"),
        ("src/VmLab/Rootfs/RootfsPlan.cs", "unixbench"),
    ];

    [Fact]
    public void No_file_outside_Suites_names_a_suite_by_a_string_literal()
    {
        var ids = SuiteRegistry.All.Select(s => s.Id)
            .Concat(SuiteRegistry.Commands(LabProfiles.Load(Repo, "full")).Select(c => c.Id))
            .ToHashSet(StringComparer.Ordinal);
        var src = Path.Combine(Repo.Root, "src");
        var named =
            from file in Directory.GetFiles(src, "*.cs", SearchOption.AllDirectories)
            let relative = Path.GetRelativePath(Repo.Root, file).Replace('\\', '/')
            where !relative.StartsWith("src/VmLab/Suites/", StringComparison.Ordinal)
                  && !relative.Contains("/obj/", StringComparison.Ordinal) && !relative.Contains("/bin/", StringComparison.Ordinal)
            from line in File.ReadLines(file)
            where !line.TrimStart().StartsWith("//", StringComparison.Ordinal) // comments and XML docs may name suites
            from Match m in StringLiteral().Matches(line)
            let literal = m.Groups["text"].Value
            where ids.Contains(literal) && !NotTheSuite.Contains((relative, literal))
            select $"{relative}: \"{literal}\"";

        Assert.Empty(named);
    }

    [Fact]
    public void The_guide_names_every_place_a_new_suite_touches()
    {
        var guide = File.ReadAllText(Path.Combine(Repo.Root, "docs", "ADDING-A-SUITE.md"));

        Assert.Contains("src/VmLab/Suites/<Name>/", guide);
        Assert.Contains("SuiteRegistry.All", guide);
        Assert.Contains("SuiteRegistryTests", guide);
        foreach (var part in new[] { "Parser.cs", "Catalog.cs", "Command.cs" })
        {
            Assert.Contains($"<Name>{part}", guide);
        }
    }

    [GeneratedRegex("\"(?<text>[a-z][a-z0-9-]*)\"")]
    private static partial Regex StringLiteral();
}
