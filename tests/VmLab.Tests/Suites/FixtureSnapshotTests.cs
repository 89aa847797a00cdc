using Snapshooter;
using Snapshooter.Xunit3;
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

        Snapshot.Match(measurement.ToJson(), SnapshotNameExtension.Create(file.Replace('/', '_')));
    }

    [Fact]
    public void Every_fixture_file_is_either_a_result_or_a_known_tool_error()
    {
        Assert.All(SuiteFixtures.ToolErrors, e => Assert.Contains(e, SuiteFixtures.Files));
        Assert.True(SuiteFixtures.Files.Count >= 60, $"only {SuiteFixtures.Files.Count} fixtures found");
        Assert.All(SuiteFixtures.Files, f => Assert.Contains(SuiteFixtures.SuiteOf(f), SuiteParsers.Names));
    }
}
