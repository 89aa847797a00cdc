using System.Text.RegularExpressions;
using VmLab.Common;
using YamlDotNet.RepresentationModel;

namespace VmLab.Tests.Release;

/// <summary>
/// The workflows are code that only runs on GitHub: these tests catch what would otherwise fail there —
/// invalid YAML, a malformed job, a <c>./build.sh --target=X</c> for a task build/*.cake does not define,
/// a token handed over any way but the environment.
/// </summary>
public sealed partial class WorkflowTests
{
    private static readonly string Root = RepoPaths.Find(AppContext.BaseDirectory).Root;

    public static TheoryData<string> Workflows => new("ci.yml", "release.yml", "reproduce.yml");

    private static YamlMappingNode Load(string workflow)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, ".github", "workflows", workflow));
        yaml.Load(reader); // throws YamlException on invalid YAML
        return Assert.IsType<YamlMappingNode>(Assert.Single(yaml.Documents).RootNode);
    }

    private static YamlNode? Get(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var child))
            {
                return null;
            }

            node = child;
        }

        return node;
    }

    private static IEnumerable<YamlMappingNode> Steps(YamlMappingNode workflow) =>
        ((YamlMappingNode)Get(workflow, "jobs")!).Children.Values
            .SelectMany(job => (Get(job, "steps") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>() ?? []); // a job that calls a workflow has none

    /// <summary>The tasks build/*.cake defines, and the default target (what ./build.sh without --target runs).</summary>
    private static (HashSet<string> Tasks, string Default) CakeTargets()
    {
        var text = string.Join("\n", Directory.GetFiles(Path.Combine(Root, "build"), "*.cake").Select(File.ReadAllText));
        var tasks = TaskDefinition().Matches(text).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var fallback = DefaultTarget().Match(text);
        Assert.True(fallback.Success, "build/build.cake no longer reads the target as Argument(\"target\", \"<default>\")");
        return (tasks, fallback.Groups[1].Value);
    }

    /// <summary>Every ./build.sh call in a workflow's run scripts, with the target it runs.</summary>
    private static List<(string Call, string Target, string Arguments)> BuildCalls(YamlMappingNode workflow, string defaultTarget) =>
    [
        .. Steps(workflow)
            .Select(step => Get(step, "run")).OfType<YamlScalarNode>()
            .SelectMany(run => BuildShCall().Matches(run.Value!))
            .Select(m =>
            {
                var target = TargetArgument().Match(m.Groups["args"].Value);
                return (m.Value.Trim(), target.Success ? target.Groups[1].Value.Trim('"', '\'') : defaultTarget, m.Groups["args"].Value);
            }),
    ];

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Each_workflow_is_valid_YAML_with_triggers_and_jobs_made_of_steps(string workflow)
    {
        var root = Load(workflow);

        Assert.IsType<YamlScalarNode>(Get(root, "name"));
        Assert.IsType<YamlMappingNode>(Get(root, "on"));
        var jobs = Assert.IsType<YamlMappingNode>(Get(root, "jobs"));
        Assert.NotEmpty(jobs.Children);
        foreach (var (name, job) in jobs.Children)
        {
            if (Get(job, "uses") is YamlScalarNode called)
            {
                // A job that calls a reusable workflow: it must be one of ours, and has no runner or steps of its own.
                Assert.True(File.Exists(Path.Combine(Root, called.Value!.StartsWith("./", StringComparison.Ordinal) ? called.Value[2..] : called.Value)), $"job {name} calls {called.Value}, which does not exist");
                Assert.Null(Get(job, "steps"));
                continue;
            }

            Assert.True(Get(job, "runs-on") is YamlScalarNode, $"job {name} has no runs-on");
            var steps = Assert.IsType<YamlSequenceNode>(Get(job, "steps"));
            Assert.All(steps.Children, step =>
                Assert.True(Get(step, "uses") is null ^ Get(step, "run") is null, $"a step of {name} must have exactly one of uses/run: {step}"));
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Each_workflow_calls_build_sh_only_with_targets_build_cake_defines(string workflow)
    {
        var (tasks, fallback) = CakeTargets();
        Assert.Contains(fallback, tasks);

        var calls = BuildCalls(Load(workflow), fallback);

        Assert.NotEmpty(calls);
        Assert.All(calls, c => Assert.True(tasks.Contains(c.Target), $"{workflow}: '{c.Call}' runs target {c.Target}, which build/*.cake does not define (it defines: {string.Join(", ", tasks.Order())})"));
    }

    [Fact]
    public void The_target_check_itself_notices_an_undefined_target()
    {
        var (tasks, fallback) = CakeTargets();
        var yaml = new YamlStream();
        yaml.Load(new StringReader("jobs:\n  j:\n    steps:\n      - run: |\n          ./build.sh --target=Test\n          ./build.sh --target=\"NoSuchTask\" --profile=smoke\n      - run: ./build.sh --profile=smoke\n"));

        var calls = BuildCalls((YamlMappingNode)yaml.Documents[0].RootNode, fallback);

        Assert.Equal(["Test", "NoSuchTask", fallback], calls.Select(c => c.Target));
        Assert.DoesNotContain("NoSuchTask", tasks);
    }

    [Fact]
    public void CI_tests_on_push_and_pull_requests_and_runs_the_smoke_pipeline_on_a_schedule_and_on_demand()
    {
        var ci = Load("ci.yml");
        var (_, fallback) = CakeTargets();

        foreach (var trigger in new[] { "push", "pull_request", "schedule", "workflow_dispatch" })
        {
            Assert.True(((YamlMappingNode)Get(ci, "on")!).Children.ContainsKey(new YamlScalarNode(trigger)), $"ci.yml is not triggered by {trigger}");
        }

        var test = BuildCalls(new YamlMappingNode { { "jobs", new YamlMappingNode { { "test", Get(ci, "jobs", "test")! } } } }, fallback);
        Assert.Equal(["./build.sh --target=Test"], test.Select(c => c.Call));
        var smoke = BuildCalls(new YamlMappingNode { { "jobs", new YamlMappingNode { { "smoke", Get(ci, "jobs", "smoke")! } } } }, fallback);
        Assert.Equal(["./build.sh --target=Prerequisites", "./build.sh --profile=smoke"], smoke.Select(c => c.Call));
        Assert.Contains("schedule", ((YamlScalarNode)Get(ci, "jobs", "smoke", "if")!).Value);
        Assert.Contains("hashFiles('kernel/**', 'rootfs/**')", File.ReadAllText(Path.Combine(Root, ".github", "workflows", "ci.yml")));
    }

    [Fact]
    public void The_release_workflow_runs_on_v_tags_and_by_hand_with_quick_by_default_then_publishes_with_write_permission()
    {
        var release = Load("release.yml");
        var (_, fallback) = CakeTargets();

        Assert.Equal("v*", ((YamlScalarNode)((YamlSequenceNode)Get(release, "on", "push", "tags")!).Children.Single()).Value);
        Assert.Equal("quick", ((YamlScalarNode)Get(release, "on", "workflow_dispatch", "inputs", "profile", "default")!).Value);
        Assert.Equal("write", ((YamlScalarNode)Get(release, "permissions", "contents")!).Value);
        var calls = BuildCalls(release, fallback);
        Assert.Equal(["Prerequisites", fallback, "Release", "Release"], calls.Select(c => c.Target));
        Assert.All(calls.Where(c => c.Target == "Release"), c => Assert.Contains("--run=", c.Arguments));
        Assert.Contains("--dry-run", calls[2].Arguments);
        Assert.DoesNotContain("--dry-run", calls[3].Arguments);
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void The_token_is_only_ever_handed_to_a_step_through_its_environment(string workflow)
    {
        var root = Load(workflow);
        var text = File.ReadAllText(Path.Combine(Root, ".github", "workflows", workflow));

        var envUses = Steps(root)
            .Select(step => Get(step, "env")).OfType<YamlMappingNode>()
            .SelectMany(env => env.Children)
            .Count(kv => ((YamlScalarNode)kv.Value).Value!.Contains("secrets.GITHUB_TOKEN", StringComparison.Ordinal));
        var allUses = Regex.Matches(text, @"secrets\.GITHUB_TOKEN").Count;

        Assert.Equal(allUses, envUses);
        Assert.All(Steps(root).Select(s => Get(s, "run")).OfType<YamlScalarNode>(), run => Assert.DoesNotContain("GITHUB_TOKEN", run.Value));
    }

    [GeneratedRegex(@"\bTask\(""([^""]+)""\)")]
    private static partial Regex TaskDefinition();

    [GeneratedRegex(@"Argument\(\s*""target""\s*,\s*""([^""]+)""\s*\)")]
    private static partial Regex DefaultTarget();

    [GeneratedRegex(@"(?:^|[\s;&|(])\./build\.sh(?<args>[^\n;&|)]*)", RegexOptions.Multiline)]
    private static partial Regex BuildShCall();

    [GeneratedRegex(@"--target[= ](""[^""]+""|'[^']+'|\S+)")]
    private static partial Regex TargetArgument();
}
