using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Lab.Plan;
using VmLab.Results;

namespace VmLab.Lab.Ledger;

/// <summary>
/// What <c>vmlab lab run</c> checks before it writes anything to a run directory: the run id, the state of the run
/// it resumes (ledger readable, same profile, same seed, same kernel artifacts) or that a new run's directory is free.
/// A refused start leaves every file as it was.
/// </summary>
public static class LabStart
{
    /// <summary>
    /// The run id: <paramref name="resume"/> when resuming (one path segment: a run id, not a path — the directory
    /// runs live in is <c>--results</c>), else a new one from the time and the profile.
    /// </summary>
    public static string RunId(string? resume, DateTimeOffset nowUtc, string profile)
    {
        if (resume is null)
        {
            return RunDirectory.NewRunId(nowUtc, profile);
        }

        return CheckRunId("--resume", resume, "pass the run's id to --resume and the directory that holds the runs to --results, e.g. --resume=2026-11-29T0447Z-smoke --results=results");
    }

    /// <summary>
    /// <paramref name="runId"/>, given as <paramref name="option"/>, when it is one name a run directory can have (it
    /// becomes results/&lt;run-id&gt;/, or a shard's results/&lt;run-id&gt;-shard-K/); a path such as /etc/cron.d or
    /// ../x is refused before anything is planned or written.
    /// </summary>
    public static string CheckRunId(string option, string runId, string? next = null) =>
        runId.Length > 0 && runId is not ("." or "..") && runId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')
            ? runId
            : throw new LabException(
                $"{option} '{runId}' is not a run id (one name such as 2026-11-29T0447Z-smoke: letters, digits, '-', '_', '.'); the run directory is made from it.",
                next ?? $"give one name, e.g. {option}=2026-11-29T0447Z-quick (the runs' directory is --results, default results/)");

    /// <summary>
    /// Checks the start of a run in <paramref name="runDirectory"/> and returns the plan to run (a resumed run's keeps
    /// its recorded order). Writes nothing.
    /// </summary>
    public static RunPlan Check(string runDirectory, bool resume, RunPlan plan, ulong? seed, LabArtifacts artifacts)
    {
        var runId = Path.GetFileName(Path.TrimEndingDirectorySeparator(runDirectory));
        if (!resume)
        {
            if (Directory.Exists(runDirectory) && Directory.EnumerateFileSystemEntries(runDirectory).Any())
            {
                throw new LabException(
                    $"{runDirectory} already exists: run {runId} was started before (or another run started in the same minute).",
                    $"resume it with --resume={runId}, or wait a minute and start a new run");
            }

            return plan;
        }

        var recorded = RunLedger.Load(runDirectory)
            ?? throw new LabException($"There is no run to resume in {runDirectory} (no {RunLedger.FileName}).", "list the runs with: ls results/, or start a new run without --resume");
        if (recorded.Profile != plan.Profile.Name)
        {
            throw new LabException($"Run {runId} was started with profile '{recorded.Profile}', not '{plan.Profile.Name}'.", $"resume it with --profile={recorded.Profile}");
        }

        if (seed is { } wanted && recorded.Order is { } order && order.Seed != wanted)
        {
            throw new LabException($"Run {runId} was started with seed {order.Seed}, not {wanted}: a resumed run keeps its order.", "drop --seed when resuming");
        }

        var run = new RunDirectory(runDirectory);
        var changed = LabManifest.KernelConfigs(artifacts)
            .Where(c => File.Exists(Path.Combine(run.KernelDir, c.To)) && File.Exists(c.From)
                        && Hashing.Sha256OfFile(c.From) != Hashing.Sha256OfFile(Path.Combine(run.KernelDir, c.To)))
            .Select(c => c.To)
            .ToList();
        if (changed.Count > 0)
        {
            throw new LabException(
                $"Run {runId} was started with other kernel artifacts: {string.Join(", ", changed.Select(c => "kernel/" + c))} differ from {Path.GetDirectoryName(Path.GetDirectoryName(artifacts.HostKernel))}. A run measures one pair of kernels.",
                "resume it with the kernel it started with (--kernel-dir DIR), or start a new run");
        }

        // What the run declared at its start about reading its comparisons stays, whatever lab/profiles.json says now:
        // a margin chosen after seeing data is no declaration (a run from before such declarations keeps none).
        var declared = File.Exists(run.ManifestPath) ? run.ReadManifest().Analysis : plan.Profile.Analysis;
        plan = plan with { Profile = plan.Profile with { Analysis = declared } };
        return recorded.Order is { } kept ? plan.WithOrder(kept) : plan;
    }

    /// <summary>
    /// The precision rule a run goes on under, and its looks so far: a new run's is <paramref name="given"/>; a
    /// resumed run's is the one its manifest recorded at its start, which is authoritative. A resume that gives another
    /// rule, or adds one to a run started without, is refused. Writes nothing.
    /// </summary>
    public static PrecisionRecord? Precision(string runDirectory, bool resume, PrecisionRule? given)
    {
        var run = new RunDirectory(runDirectory);
        if (!resume || !File.Exists(run.ManifestPath))
        {
            return given is null ? null : new PrecisionRecord(given, []);
        }

        var recorded = run.ReadManifest().Precision;
        var runId = run.RunId;
        if (recorded is null)
        {
            return given is null ? null
                : throw new LabException(
                    $"Run {runId} was started without a precision rule; a resume cannot add one ({given.Options}): the blocks it ran were not planned under it.",
                    $"resume it without --precision, --questions and --budget, or start a new run with them");
        }

        if (given is not null && !given.Same(recorded.Rule))
        {
            throw new LabException(
                $"Run {runId} was started under the precision rule {recorded.Rule.Describe()} ({recorded.Rule.Options}), not {given.Describe()}: a resumed run keeps the rule it started with, or its looks would mean nothing.",
                $"resume it without --precision, --questions and --budget (its manifest's rule applies), or with exactly {recorded.Rule.Options}");
        }

        return recorded;
    }

    /// <summary>The directory a run writes to: <paramref name="results"/> (default results/) and the run id.</summary>
    public static string RunDirectoryOf(RepoPaths paths, string? results, string runId) =>
        Path.Combine(Path.GetFullPath(results ?? paths.ResultsDir), runId);

}
