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

        // The test job runs .ci/run (the tests, then tests/run-directory-cases.sh) and restores no kernel or image.
        var test = new YamlMappingNode { { "jobs", new YamlMappingNode { { "test", Get(ci, "jobs", "test")! } } } };
        Assert.Empty(BuildCalls(test, fallback));
        Assert.Contains(Steps(test), step => (Get(step, "run") as YamlScalarNode)?.Value == ".ci/run");
        Assert.DoesNotContain(Steps(test), step => Get(step, "with", "path") is YamlScalarNode path && path.Value!.Contains("artifacts/kernel", StringComparison.Ordinal));
        var smoke = BuildCalls(new YamlMappingNode { { "jobs", new YamlMappingNode { { "smoke", Get(ci, "jobs", "smoke")! } } } }, fallback);
        Assert.Equal(["./build.sh --target=Prerequisites", "./build.sh --profile=smoke --run-id=\"$RUN_ID\""], smoke.Select(c => c.Call));
        Assert.Contains("schedule", ((YamlScalarNode)Get(ci, "jobs", "smoke", "if")!).Value);
    }

    /// <summary>The steps of every job, with the job's name (a job that calls a workflow has none).</summary>
    private static IEnumerable<(string Job, YamlMappingNode Node, List<YamlMappingNode> Steps)> Jobs(YamlMappingNode workflow) =>
        ((YamlMappingNode)Get(workflow, "jobs")!).Children
            .Select(j => (((YamlScalarNode)j.Key).Value!, (YamlMappingNode)j.Value, (Get(j.Value, "steps") as YamlSequenceNode)?.Children.Cast<YamlMappingNode>().ToList() ?? []));

    private static string Run(YamlMappingNode step) => (Get(step, "run") as YamlScalarNode)?.Value ?? "";

    private static string Uses(YamlMappingNode step) => (Get(step, "uses") as YamlScalarNode)?.Value ?? "";

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Targets_that_need_root_run_under_sudo_with_the_PATH_and_the_checkout_is_given_back_after(string workflow)
    {
        var root = Load(workflow);
        var (_, fallback) = CakeTargets();
        // The lab (namespace, tap, chroot), the client root and the images (mmdebstrap --mode=root) need root (issue 25, item 1).
        string[] rootTargets = ["Lab", "ClientRoot", "Rootfs", "Reproduce", "Smoke", fallback];

        Assert.Equal("safe.directory", ((YamlScalarNode)Get(root, "env", "GIT_CONFIG_KEY_0")!).Value);
        Assert.Equal("${{ github.workspace }}", ((YamlScalarNode)Get(root, "env", "GIT_CONFIG_VALUE_0")!).Value);
        foreach (var (job, _, steps) in Jobs(root))
        {
            var rootSteps = steps.Select((step, i) => (step, i))
                .Where(s => BuildShCall().Matches(Run(s.step)).Any(m => rootTargets.Contains(TargetArgument().Match(m.Groups["args"].Value) is { Success: true } t ? t.Groups[1].Value : fallback)))
                .ToList();
            foreach (var (step, _) in rootSteps)
            {
                Assert.All(BuildShCall().Matches(Run(step)).Where(m => rootTargets.Contains(TargetArgument().Match(m.Groups["args"].Value) is { Success: true } t ? t.Groups[1].Value : fallback)),
                    m => Assert.Contains("sudo -E env \"PATH=$PATH\" ./build.sh", Run(step)[..(m.Index + m.Length)][Math.Max(0, m.Index - 30)..]));
            }

            if (rootSteps.Count > 0)
            {
                var back = steps.FindIndex(s => Run(s).Contains("chown -h \"$(id -u):$(id -g)\"", StringComparison.Ordinal));
                Assert.True(back > rootSteps.Max(s => s.i), $"{workflow}: job {job} runs root steps but gives the checkout back before them or never");
                Assert.Equal("${{ always() }}", ((YamlScalarNode)Get(steps[back], "if")!).Value);
                Assert.Contains("-path \"$GITHUB_WORKSPACE/artifacts/client\" -prune", Run(steps[back]));
            }
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void The_artifacts_cache_is_keyed_by_vmlab_leaves_out_the_client_root_and_is_pruned_before_it_is_saved(string workflow)
    {
        var root = Load(workflow);
        var text = File.ReadAllText(Path.Combine(Root, ".github", "workflows", workflow));

        Assert.DoesNotContain("hashFiles('kernel/**'", text); // item 4: the stage keys use more than kernel/ and rootfs/
        Assert.DoesNotContain("artifacts/client", text.Split('\n').Where(l => !l.TrimStart().StartsWith('#') && !l.Contains("-prune", StringComparison.Ordinal)));
        foreach (var (job, _, steps) in Jobs(root))
        {
            var caches = steps.Where(s => Uses(s).StartsWith("actions/cache", StringComparison.Ordinal) && ((YamlScalarNode)Get(s, "with", "path")!).Value!.Contains("artifacts/kernel", StringComparison.Ordinal)).ToList();
            foreach (var cache in caches)
            {
                Assert.Equal("artifacts/downloads\nartifacts/kernel\nartifacts/rootfs\n!artifacts/rootfs/work\n", ((YamlScalarNode)Get(cache, "with", "path")!).Value);
                var key = ((YamlScalarNode)Get(cache, "with", "key")!).Value!;
                Assert.True(key is "${{ steps.key.outputs.key }}" or "${{ needs.build.outputs.artifacts-key }}", $"{workflow}: job {job} caches the artifacts under {key}");
            }

            if (caches.Any(c => Uses(c) == "actions/cache@v4"))
            {
                // Saved at the job's end: the key step asks vmlab, and stale folders are pruned before.
                Assert.Contains(steps, s => Run(s).Contains("VmLab.Cli.dll artifacts cache-key", StringComparison.Ordinal) && ((YamlScalarNode)Get(s, "id")!).Value == "key");
                Assert.Contains(steps.SkipWhile(s => !Uses(s).StartsWith("actions/cache", StringComparison.Ordinal) || Get(s, "with", "key") is not YamlScalarNode { Value: "${{ steps.key.outputs.key }}" }),
                    s => Run(s).Contains("VmLab.Cli.dll artifacts prune", StringComparison.Ordinal) && Get(s, "if") is null);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Workflows))]
    public void Uploads_overwrite_on_a_re_run_and_run_directories_keep_their_hidden_files(string workflow)
    {
        foreach (var (job, _, steps) in Jobs(Load(workflow)))
        {
            foreach (var upload in steps.Where(s => Uses(s).StartsWith("actions/upload-artifact", StringComparison.Ordinal)))
            {
                Assert.True(Get(upload, "with", "overwrite") is YamlScalarNode { Value: "true" }, $"{workflow}: an upload of job {job} would fail with 409 on a re-run");
                if (((YamlScalarNode)Get(upload, "with", "path")!).Value!.StartsWith("results/", StringComparison.Ordinal))
                {
                    Assert.True(Get(upload, "with", "include-hidden-files") is YamlScalarNode { Value: "true" }, $"{workflow}: job {job} uploads a run directory without its hidden files");
                }
            }
        }
    }

    [Fact]
    public void Shards_time_out_in_their_lab_step_the_merge_needs_the_build_and_run_ids_are_unique_per_workflow_run()
    {
        var reproduce = Load("reproduce.yml");
        var lab = (YamlMappingNode)Get(reproduce, "jobs", "lab")!;

        Assert.Equal("${{ matrix.jobTimeout }}", ((YamlScalarNode)Get(lab, "timeout-minutes")!).Value);
        var shard = Steps(new YamlMappingNode { { "jobs", new YamlMappingNode { { "lab", lab } } } }).Single(s => Run(s).Contains("--target=Lab", StringComparison.Ordinal));
        Assert.Equal("${{ matrix.timeout }}", ((YamlScalarNode)Get(shard, "timeout-minutes")!).Value);
        Assert.Contains("needs.build.result == 'success'", ((YamlScalarNode)Get(reproduce, "jobs", "merge", "if")!).Value);
        Assert.Contains("--runner \"$RUNNER\"", File.ReadAllText(Path.Combine(Root, ".github", "workflows", "reproduce.yml")));
        foreach (var workflow in new[] { "ci.yml", "release.yml", "reproduce.yml" })
        {
            var ids = Regex.Matches(File.ReadAllText(Path.Combine(Root, ".github", "workflows", workflow)), @"date -u \+%Y-%m-%dT%H%MZ\)-[^""\n]*");
            Assert.NotEmpty(ids);
            Assert.All(ids, id => Assert.Contains("$GITHUB_RUN_ID", id.Value.Replace("${GITHUB_RUN_ID}", "$GITHUB_RUN_ID", StringComparison.Ordinal)));
        }

        var release = Load("release.yml");
        Assert.Equal("${{ inputs.runner }}", ((YamlScalarNode)Get(release, "jobs", "reproduce", "with", "runner")!).Value);
        Assert.Equal("ubuntu-24.04", ((YamlScalarNode)Get(release, "on", "workflow_dispatch", "inputs", "runner", "default")!).Value);
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
