using System.Globalization;
using System.Text.RegularExpressions;
using VmLab.Common;
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

        var context = new ParseContext(manifest?.AbExpectedDocumentLength);
        var found = new List<(string Scenario, string Suite, string Repeat, string File, string Text)>();
        foreach (var scenarioDir in Directory.GetDirectories(run.RawDir))
        {
            var scenario = Path.GetFileName(scenarioDir);
            foreach (var log in Directory.GetFiles(scenarioDir, "console-*.log"))
            {
                var boot = Path.GetFileNameWithoutExtension(log)["console-".Length..];
                found.Add((scenario, "console", boot, Relative(run, log), File.ReadAllText(log)));
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

                    found.Add((scenario, suite, name, Relative(run, file), File.ReadAllText(file)));
                }
            }
        }

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
        var checks = BootChecks.Read(run, manifest ?? (File.Exists(run.ManifestPath) ? run.ReadManifest() : null));

        var units = ordered.Select((f, i) => new UnitResult(
            f.Scenario,
            f.Suite,
            f.Repeat,
            f.File,
            Hashing.Sha256OfFile(Path.Combine(run.Path, f.File)),
            parsed[i].UnrecognisedReason,
            parsed[i].Measurement?.Metrics ?? new SortedDictionary<string, MetricValue>(StringComparer.Ordinal),
            [.. parsed[i].Measurement?.Problems ?? [], .. checks?.ProblemsOf(f.File) ?? []],
            duplicates[i].Select(j => ordered[j].File).ToList())).ToList();

        return new RunResults(run.RunId, units) { Boots = checks?.Boots };
    }

    /// <summary>
    /// The parser a suite folder is read with: its own name, or the part before the first '-' for a variant folder
    /// (the lab keeps netperf's TCP_STREAM and TCP_RR apart as <c>netperf-stream</c> and <c>netperf-rr</c>, docs/CONTRACTS.md;
    /// the report tells them apart by the test named in each output). Null when neither is a suite.
    /// </summary>
    public static string? SuiteOf(string folder) =>
        SuiteParsers.Find(folder) is not null ? folder
        : folder.IndexOf('-') is > 0 and var dash && SuiteParsers.Find(folder[..dash]) is not null ? folder[..dash]
        : null;

    private static string Relative(RunDirectory run, string file) => Path.GetRelativePath(run.Path, file).Replace('\\', '/');

    [GeneratedRegex("^[1-9][0-9]*$")]
    private static partial Regex RepeatName();
}
