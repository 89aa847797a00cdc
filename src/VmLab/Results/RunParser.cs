using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Suites;

namespace VmLab.Results;

/// <summary>
/// <c>vmlab parse-run</c>: derives results.json from raw/ alone, with the suite parsers, then marks outputs
/// presented more than once (<see cref="DuplicateDetector"/>). Re-running it on the same raw/ gives the same bytes.
/// </summary>
public static partial class RunParser
{
    /// <summary>Parses every raw file of <paramref name="run"/>; does not write anything.</summary>
    public static RunResults Parse(RunDirectory run, Manifest? manifest = null)
    {
        if (!Directory.Exists(run.RawDir))
        {
            throw new LabException($"{run.RawDir} does not exist: there are no raw outputs to parse.", "run the lab first: ./build.sh --target=Lab");
        }

        manifest ??= File.Exists(run.ManifestPath) ? run.ReadManifest() : null;
        RefuseAnotherRunsManifest(run, manifest);
        RefuseWhatIsNotARawFile(run);
        RefuseNamesNotOfTheRun(run, manifest ?? (File.Exists(run.ManifestPath) ? run.ReadManifest() : null));
        var context = ParseContext.None.With(ApacheBenchParser.ExpectedLength, manifest?.AbExpectedDocumentLength);
        var found = RawFiles(run);

        // Stable order whatever the file system returns: scenario, suite, repeat as a number.
        var ordered = found
            .OrderBy(f => f.Scenario, StringComparer.Ordinal)
            .ThenBy(f => f.Suite, StringComparer.Ordinal)
            .ThenBy(f => int.TryParse(f.Repeat, CultureInfo.InvariantCulture, out var r) ? r : int.MaxValue)
            .ThenBy(f => f.Repeat, StringComparer.Ordinal)
            .ThenBy(f => f.File, StringComparer.Ordinal) // variant folders (netperf-rr, netperf-stream) share suite and repeat
            .ToList();

        var parsed = ordered.Select(f => SuiteParsers.Get(f.Suite).Parse(f.Text, context)).ToList();
        var duplicates = DuplicateDetector.Find(ordered.Select((f, i) => (f.Suite, f.Text, parsed[i].Measurement?.Metrics)).ToList());
        var checks = BootChecks.Read(run, manifest);
        // A run without its ledger is unverified, not imported: only a manifest that gives the data's provenance says
        // the lab did not make it (the 2023 reference). Anything else has lost the record that vouches for its files.
        var unverified = checks is null && manifest?.Provenance is null;

        RefuseMissingDoneUnits(run, ordered.Select(f => f.File).ToHashSet(StringComparer.Ordinal));
        var hashes = ordered.Select(f => Hashing.Sha256OfFile(Path.Combine(run.Path, f.File))).ToList();
        var units = ordered.Select((f, i) => new UnitResult(
            f.Scenario,
            f.Suite,
            f.Repeat,
            f.File,
            hashes[i],
            parsed[i].UnrecognisedReason,
            parsed[i].Measurement?.Metrics ?? new SortedDictionary<string, MetricValue>(StringComparer.Ordinal),
            [.. parsed[i].Measurement?.Problems ?? [], .. checks?.ProblemsOf(f.File, hashes[i]) ?? (unverified && f.Suite != ConsoleLogParser.Id ? [NoLedger] : [])],
            duplicates[i].Select(j => ordered[j].File).ToList()) { Rebuilt = checks?.RebuiltOf(f.File), L0 = checks?.InterferenceOf(f.File), Counters = checks?.CountersOf(f.File) }).ToList();

        return new RunResults(run.RunId, units) { Boots = checks?.Boots };
    }

    /// <summary>
    /// Writes <paramref name="results"/> as the run's results.json. Replacing one that holds more raw outputs (raw/
    /// emptied or half restored) is refused unless <paramref name="force"/>: a good results.json is not lost to a mistake.
    /// </summary>
    public static void Save(RunDirectory run, RunResults results, bool force)
    {
        if (!force && File.Exists(run.ResultsPath))
        {
            int? before;
            try
            {
                before = run.ReadResults().Units.Count;
            }
            catch (LabException)
            {
                before = null; // a broken results.json is not worth keeping
            }

            if (before > results.Units.Count)
            {
                throw new LabException(
                    $"{run.ResultsPath} holds {before} raw outputs; raw/ now gives {results.Units.Count}. It is not replaced.",
                    $"restore raw/ (e.g. git checkout -- {run.RawDir}), or replace it anyway: vmlab parse-run {run.Path} --force");
            }
        }

        run.WriteResults(results);
    }

    /// <summary>The problem of every raw output of a run that has lost its units.json (and is not imported data).</summary>
    public const string NoLedger = "lab: the run has no units.json, so no ledger vouches for this raw output (only imported data, whose manifest.json gives its provenance, goes without one)";

    /// <summary>
    /// True for a problem that says the ledger does not vouch for a raw output: its sha256 is not the recorded one, it
    /// is not in units.json, the run has no units.json, or a rebuilt record rests on nothing.
    /// </summary>
    public static bool IsLedgerDisagreement(string problem) =>
        problem.StartsWith("lab: sha256", StringComparison.Ordinal) || problem == NoLedger
        || (problem.StartsWith("lab: ", StringComparison.Ordinal) && (problem.Contains("is not in units.json", StringComparison.Ordinal) || problem.Contains("no record vouches", StringComparison.Ordinal)));

    /// <summary>The most a raw output or console log may hold (the largest committed one is under 100 KiB).</summary>
    public const long MaxRawBytes = 64L * 1024 * 1024;

    /// <summary>
    /// Says, one line each, which raw files differ from what units.json recorded (their units are invalid), and once
    /// when the run has no units.json at all.
    /// </summary>
    public static void WarnAboutChangedFiles(RunDirectory run, RunResults results, TextWriter error)
    {
        var unverified = results.Units.Count(u => u.Problems.Contains(NoLedger));
        if (unverified > 0)
        {
            error.WriteLine($"vmlab: {System.IO.Path.Combine(run.Path, RunLedger.FileName)} is missing: no ledger vouches for the {unverified} raw outputs, so they are unverified and their verdicts inconclusive");
            error.WriteLine($"  next: rebuild it from raw/ and the console logs: vmlab lab repair {run.Path}");
        }

        foreach (var unit in results.Units)
        {
            foreach (var problem in unit.Problems.Where(p => p.StartsWith("lab: sha256", StringComparison.Ordinal)))
            {
                error.WriteLine($"vmlab: {unit.File}: sha256 mismatch: {problem} (its verdicts are inconclusive)");
            }
        }
    }

    /// <summary>Every raw output of <paramref name="run"/>: the console logs of each boot and each suite folder's repeats.</summary>
    private static List<(string Scenario, string Suite, string Repeat, string File, string Text)> RawFiles(RunDirectory run)
    {
        var found = new List<(string Scenario, string Suite, string Repeat, string File, string Text)>();
        foreach (var scenarioDir in Directory.GetDirectories(run.RawDir))
        {
            var scenario = Path.GetFileName(scenarioDir);
            foreach (var log in Directory.GetFiles(scenarioDir, "console-*.log"))
            {
                var boot = Path.GetFileNameWithoutExtension(log)["console-".Length..];
                found.Add((scenario, ConsoleLogParser.Id, boot, Relative(run, log), FileNode.ReadText(log, MaxRawBytes)));
            }

            foreach (var suiteDir in Directory.GetDirectories(scenarioDir))
            {
                var suite = SuiteOf(Path.GetFileName(suiteDir))
                    ?? throw new LabException(
                        $"{suiteDir}: '{Path.GetFileName(suiteDir)}' is not a suite ({string.Join(", ", SuiteParsers.Names)}, or one of them with a -variant suffix such as netperf-rr).",
                        "move or remove the directory");

                foreach (var file in Directory.GetFiles(suiteDir, "*.txt"))
                {
                    var name = Path.GetFileNameWithoutExtension(file);
                    if (!RepeatName().IsMatch(name))
                    {
                        throw new LabException($"{file}: a raw output is named <repeat>.txt with repeat 1, 2, …", "rename the file");
                    }

                    found.Add((scenario, suite, name, Relative(run, file), FileNode.ReadText(file, MaxRawBytes)));
                }
            }
        }

        return found;
    }

    /// <summary>
    /// raw/ holds directories and regular files only: a symlink (which could point anywhere, e.g. /etc/passwd) or a
    /// directory where a raw output belongs is refused before anything is read, naming it.
    /// </summary>
    private static void RefuseWhatIsNotARawFile(RunDirectory run)
    {
        var raw = new DirectoryInfo(run.RawDir);
        var entries = new List<FileSystemInfo> { raw };
        if (raw.LinkTarget is null)
        {
            entries.AddRange(raw.EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }));
        }

        foreach (var entry in entries)
        {
            var relative = Relative(run, entry.FullName);
            var depth = relative.Count(c => c == '/');
            var node = FileNode.Of(entry.FullName);
            if (node.Kind == FileKind.Symlink)
            {
                throw new LabException($"{relative} is a symlink (to {entry.LinkTarget}), not a raw output the lab saved: it is not read.", $"replace it with the file itself, or remove it: rm {entry.FullName}");
            }

            if (node.Kind == FileKind.Directory && depth >= 3)
            {
                throw new LabException($"{relative} is a directory where raw/<scenario>/<suite>/ holds only raw outputs (files).", $"move it out of the run directory: {entry.FullName}");
            }

            if (node.Kind is not (FileKind.Regular or FileKind.Directory))
            {
                // Looked at, never opened: opening a FIFO waits for a writer forever, a device never ends.
                throw new LabException($"{relative} is {node.Words}, not a raw output the lab saved (a regular file): it is not read.", $"put back the file the lab saved (e.g. git checkout -- {entry.FullName}), or remove it: rm {entry.FullName}");
            }

            if (node.Size > MaxRawBytes)
            {
                throw new LabException($"{relative} holds {node.Size / (1024 * 1024)} MiB, more than any raw output the lab saves ({MaxRawBytes / (1024 * 1024)} MiB): it is not read.", $"move it out of the run directory: {entry.FullName}");
            }
        }
    }

    /// <summary>manifest.json is this run's: another run's would check raw/ against that run's scenarios and factors.</summary>
    private static void RefuseAnotherRunsManifest(RunDirectory run, Manifest? manifest)
    {
        if (manifest is not null && manifest.RunId != run.RunId)
        {
            throw new LabException(
                $"{run.ManifestPath} describes run {manifest.RunId}, not {run.RunId} (the directory it is in): another run's manifest would check these raw outputs against that run's scenarios.",
                $"put back this run's own manifest.json, or rename the directory back to {manifest.RunId} if that is the run");
        }
    }

    /// <summary>
    /// Names under raw/ end up in results.json and REPORT.md as they are: every one must be an id (letters, digits,
    /// '-', '_', '.'), and every scenario folder one of the run's scenarios when its manifest lists them. A folder named
    /// with a newline and HTML (raw/evil\n# INJECTED &lt;img …&gt;) is refused, never copied into a report.
    /// </summary>
    private static void RefuseNamesNotOfTheRun(RunDirectory run, Manifest? manifest)
    {
        var scenarios = manifest?.Scenarios.Select(s => s.Id).ToList() ?? [];
        var next = $"move it out of raw/ (ls -b {run.RawDir} shows every name with its control characters escaped)";
        foreach (var entry in Directory.EnumerateFileSystemEntries(run.RawDir, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
        {
            var name = Path.GetFileName(entry);
            if (name.Length == 0 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                throw new LabException($"{Printable.Escape(Relative(run, entry))}: '{Printable.Escape(name)}' is not a name the lab writes (letters, digits, '-', '_', '.'); it would be copied into the report as it is.", next);
            }
        }

        if (scenarios.Count > 0 && Directory.GetDirectories(run.RawDir).Select(Path.GetFileName).FirstOrDefault(d => !scenarios.Contains(d!, StringComparer.Ordinal)) is { } stranger)
        {
            throw new LabException(
                $"raw/{stranger}: '{stranger}' is not a scenario of run {run.RunId} (its manifest lists {string.Join(", ", scenarios)}).",
                next);
        }
    }

    /// <summary>Every unit units.json records as done has its raw file: a lost one is refused, not left out of the results.</summary>
    private static void RefuseMissingDoneUnits(RunDirectory run, IReadOnlySet<string> found)
    {
        if (RunLedger.Load(run.Path) is not { } ledger)
        {
            return;
        }

        var missing = ledger.Units
            .Where(u => u.Value.State == UnitState.Done && u.Value.Sha256 is not null)
            .Select(u => $"raw/{u.Key}.txt")
            .Where(f => !found.Contains(f))
            .ToList();
        if (missing.Count > 0)
        {
            throw new LabException(
                $"{missing.Count} raw output(s) that units.json records as done are missing from {run.RawDir}: {string.Join(", ", missing.Take(8))}{(missing.Count > 8 ? ", …" : "")}.",
                $"restore them (e.g. git checkout -- {run.RawDir}), or run those units again: vmlab lab run --resume={run.RunId}");
        }
    }

    /// <summary>
    /// The suite a raw/ folder's outputs are read as (<see cref="SuiteRegistry.OfOutput"/>): its own name, or the part
    /// before the first '-' for a variant folder (<c>netperf-rr</c>), spelled as the folder spells it. Null when
    /// neither is a suite.
    /// </summary>
    public static string? SuiteOf(string folder) =>
        SuiteRegistry.OfOutput(folder) is { } suite ? folder[..suite.Id.Length] : null;

    private static string Relative(RunDirectory run, string file) => Path.GetRelativePath(run.Path, file).Replace('\\', '/');

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex RepeatName();
}
