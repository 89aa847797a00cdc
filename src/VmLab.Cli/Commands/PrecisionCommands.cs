using System.ComponentModel;
using Spectre.Console.Cli;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Report;
using VmLab.Results;

namespace VmLab.CommandLine.Commands;

/// <summary>The precision options of <c>vmlab lab plan</c> and <c>vmlab lab run</c> (docs/PRECISION.md).</summary>
internal partial class LabPlanSettings
{
    [CommandOption("--precision <PERCENT>")]
    [Description("run: add whole blocks until every chosen headline comparison's 95% CI of B/A is at most ±PERCENT wide (whatever it says), or --budget cannot fit another block. plan --pilot: the blocks that needs.")]
    public string? Precision { get; init; }

    [CommandOption("--questions <Q1,Q3>")]
    [Description("With --precision: the questions whose headline comparisons must be precise (default: every question).")]
    public string? Questions { get; init; }

    [CommandOption("--budget <DURATION>")]
    [Description("run --precision: the lab time the run may take (boots and quiet-gate waits), e.g. 6h or 90m.")]
    public string? Budget { get; init; }

    [CommandOption("--pilot <RUN_DIR>")]
    [Description("plan --precision: from this finished run's spread (paired by block), the blocks and runner-hours each question needs, with and without the probe covariate; with --shards N, across N shards.")]
    public string? Pilot { get; init; }
}

/// <summary><c>lab plan --pilot</c> and the rule of <c>lab run --precision</c>: both thin over the library.</summary>
internal static class PrecisionPlanning
{
    /// <summary>
    /// The rule the options give (null without <c>--precision</c>); refused with shards (a rule needs every block's
    /// data in one place) and for questions the plan cannot answer.
    /// </summary>
    public static PrecisionRule? RuleOf(LabPlanSettings settings, RunPlan plan, string? shard = null)
    {
        if (settings.Precision is null)
        {
            return settings.Questions is null && settings.Budget is null
                ? null
                : throw new LabException("--questions and --budget belong to --precision.", "add --precision 10% (or leave them out)");
        }

        if (shard is not null)
        {
            throw new LabException("--precision cannot run as a shard: the stopping rule looks at every block's data after each block, in one run directory.", "run it on one machine; to size a sharded run, use vmlab lab plan --pilot results/<run> --precision 10% --shards N");
        }

        var rule = PrecisionRule.Parse(settings.Precision, settings.Questions, settings.Budget);
        var ids = plan.Scenarios.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var specs = RunDecisions.Specs(new Manifest { RunId = "plan", Profile = plan.Profile.Name }, rule.Questions);
        if (specs.FirstOrDefault(s => !ids.Contains(s.A) || !ids.Contains(s.B)) is { } missing && rule.Questions.Count > 0)
        {
            throw new LabException($"--questions {missing.Question} compares {missing.B} with {missing.A}, and this run leaves one of them out (--scenario).", $"add --scenario {missing.A} --scenario {missing.B}, or drop {missing.Question}");
        }

        return rule;
    }

    /// <summary><c>lab plan --pilot DIR --precision P [--questions] [--shards N]</c>: prints what a precision run needs.</summary>
    public static int PrintPilot(RunPlan plan, LabPlanSettings settings)
    {
        if (settings.Precision is null)
        {
            throw new LabException("--pilot needs --precision: the margin the blocks are computed for.", $"e.g. vmlab lab plan --pilot {settings.Pilot} --precision 10%");
        }

        var margin = PrecisionRule.ParseMargin(settings.Precision);
        var directory = new RunDirectory(settings.Pilot!);
        if (!File.Exists(directory.ManifestPath))
        {
            throw new LabException($"--pilot {settings.Pilot}: no manifest.json there: not a run directory.", "give a finished run, e.g. --pilot results/2026-11-29T0703Z-quick");
        }

        var pilot = RunData.Load(directory);
        // The plan's estimates stand in for a pilot without a ledger (an imported run): one boot of each scenario.
        var estimates = plan.Boots(_ => true).Where(b => b.Repeat == 1).ToDictionary(b => b.Scenario.Id, b => plan.Estimate(b).TotalSeconds, StringComparer.Ordinal);
        var result = PilotPlan.Of(pilot, margin, PrecisionRule.ParseQuestions(settings.Questions), RunLedger.Load(directory.Path), estimates);
        Console.WriteLine(result.Describe(settings.Shards, ShardPlan.JobOverhead));
        return 0;
    }
}
