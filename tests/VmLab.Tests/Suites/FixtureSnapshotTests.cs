using Snapshooter;
using Snapshooter.Xunit3;
using VmLab.Common;
using VmLab.Suites;

namespace VmLab.Tests.Suites;

/// <summary>The full parsed JSON of every real output, pinned: any change in a metric name or value shows in review.</summary>
public sealed class FixtureSnapshotTests
{
    public static TheoryData<string> Results => SuiteFixtures.Results;

    [Theory]
    [MemberData(nameof(Results))]
    public void Parsed_json_of_each_fixture(string file)
    {
        var measurement = SuiteParsers.Get(SuiteFixtures.SuiteOf(file)).ParseFixture(file);

        // An explicit folder, not Snapshooter's guess from the stack trace: CI builds map source paths to /_/
        // (ContinuousIntegrationBuild), where no snapshot can be found.
        // Snapshooter adds __snapshots__ itself.
        var folder = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "tests", "VmLab.Tests", "Suites");
        var name = $"{nameof(FixtureSnapshotTests)}.{nameof(Parsed_json_of_each_fixture)}_{file.Replace('/', '_')}.snap";
        Snapshot.Match(measurement.ToJson(), new SnapshotFullName(name, folder));
    }

    [Fact]
    public void Every_fixture_file_is_either_a_result_or_a_known_tool_error()
    {
        Assert.All(SuiteFixtures.ToolErrors, e => Assert.Contains(e, SuiteFixtures.Files));
        Assert.True(SuiteFixtures.Files.Count >= 64, $"only {SuiteFixtures.Files.Count} fixtures found");
        Assert.All(SuiteFixtures.Files, f => Assert.Contains(SuiteFixtures.SuiteOf(f), SuiteParsers.Names));
    }
}
