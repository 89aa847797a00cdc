using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using VmLab.Common;
using VmLab.Lab.Noise;
using VmLab.Suites;

namespace VmLab.Lab.Plan;

/// <summary>
/// One profile of <c>lab/profiles.json</c>: how many repeats, how big each suite is, how long anything may take.
/// Everything a run's numbers depend on comes from here (and is copied into the run's manifest).
/// </summary>
public sealed record LabProfile(
    string Name,
    string Description,
    int Repeats,
    long GuestMemoryMiB,
    double L1BootSeconds,
    double L2BootSeconds)
{
    /// <summary>
    /// Each benchmark suite's settings by suite id: the record of the suite's <see cref="SuiteSettings.Type"/>, read
    /// from the profile's object of that name (<c>"hackbench": { "groups": 50, ... }</c>).
    /// </summary>
    [JsonIgnore]
    public IReadOnlyDictionary<string, object> Settings { get; init; } = new Dictionary<string, object>(StringComparer.Ordinal);

    /// <summary>The settings of suite <paramref name="suiteId"/>; a <see cref="LabException"/> when the profile has none.</summary>
    public object SettingsOf(string suiteId) =>
        Settings.TryGetValue(suiteId, out var settings)
            ? settings
            : throw new LabException($"Profile '{Name}' has no settings for suite {suiteId}.", $"add \"{suiteId}\": {{ ... }} to it in lab/profiles.json (docs/ADDING-A-SUITE.md)");

    /// <summary>The settings record of type <typeparamref name="T"/> (e.g. <c>SettingsOf&lt;HackbenchCommand&gt;()</c>).</summary>
    public T SettingsOf<T>()
        where T : class =>
        Settings.Values.OfType<T>().SingleOrDefault()
        ?? throw new LabException($"Profile '{Name}' has no {typeof(T).Name} settings.", "check lab/profiles.json and SuiteRegistry (docs/ADDING-A-SUITE.md)");

    /// <summary>This profile with <paramref name="settings"/> in place of the suite settings of the same type.</summary>
    public LabProfile With<T>(T settings)
        where T : class
    {
        var id = Settings.Single(s => s.Value is T).Key;
        return this with { Settings = new Dictionary<string, object>(Settings, StringComparer.Ordinal) { [id] = settings } };
    }

    /// <summary>
    /// The suites in the order a boot runs them: network first (services fresh), then CPU-bound ones; which suites
    /// there are and how each reads its settings is <see cref="SuiteRegistry"/>'s.
    /// </summary>
    public IReadOnlyList<ILabSuite> Suites => SuiteRegistry.Commands(this);

    /// <summary>The budget for L1 to boot to READY.</summary>
    public TimeSpan L1Boot => TimeSpan.FromSeconds(L1BootSeconds);

    /// <summary>The budget of one L2 boot besides its suites (boot, poweroff, sending the console back).</summary>
    public TimeSpan L2Boot => TimeSpan.FromSeconds(L2BootSeconds);

    /// <summary>
    /// The expected fixed cost of one L1 boot besides its suites (disks, TCG boot to READY, setup, poweroff), for the
    /// plan and the ETA: measured per profile, since the guest's memory and the suites' files change it.
    /// </summary>
    public double L1BootEstimateSeconds { get; init; } = 30;

    /// <summary>The expected fixed cost of the L2 boot of a guest scenario inside L1, besides its suites (measured likewise).</summary>
    public double L2BootEstimateSeconds { get; init; } = 15;

    /// <summary>The quiet gate, the threshold of a disturbed unit and the calibration probe's size (lab/profiles.json <c>"noise"</c>).</summary>
    public NoiseSettings Noise { get; init; } = null!;

    /// <summary>
    /// How the run's comparisons will be read, declared before it starts (lab/profiles.json <c>"analysis"</c>): the
    /// equivalence margin and whether the probe is a covariate. Null only for a run resumed from before such declarations.
    /// </summary>
    public VmLab.Statistics.AnalysisPlan? Analysis { get; init; }

    /// <summary>The suite with id <paramref name="id"/>, or a <see cref="LabException"/> listing the valid ones.</summary>
    public ILabSuite Suite(string id) =>
        Suites.FirstOrDefault(s => s.Id == id)
        ?? throw new LabException($"There is no suite '{id}'.", $"use one of: {string.Join(", ", Suites.Select(s => s.Id))}");
}

/// <summary>Reads <c>lab/profiles.json</c>.</summary>
public static class LabProfiles
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    };

    private sealed record File([property: JsonPropertyName("$comment")] string? Comment, Dictionary<string, JsonObject> Profiles);

    /// <summary>The profiles file of the repository at <paramref name="paths"/>.</summary>
    public static string PathIn(RepoPaths paths) => Path.Combine(paths.Root, "lab", "profiles.json");

    /// <summary>All profiles in <paramref name="json"/>, by name, with <see cref="LabProfile.Name"/> filled in.</summary>
    public static IReadOnlyDictionary<string, LabProfile> Parse(string json)
    {
        try
        {
            var file = JsonSerializer.Deserialize<File>(json, Options) ?? throw new JsonException("the file is empty");
            return file.Profiles.ToDictionary(p => p.Key, p => Read(p.Key, p.Value), StringComparer.Ordinal);
        }
        catch (JsonException ex)
        {
            throw new LabException($"lab/profiles.json is not valid: {ex.Message}", "fix the file (git diff lab/profiles.json shows what changed)", ex);
        }
    }

    // One profile: each registered suite's object read into the suite's settings record, the rest into LabProfile.
    private static LabProfile Read(string name, JsonObject json)
    {
        var settings = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var suite in SuiteRegistry.All.Where(s => s.Settings is not null))
        {
            var key = json.Select(p => p.Key).FirstOrDefault(k => string.Equals(k, suite.Id, StringComparison.OrdinalIgnoreCase))
                ?? throw new JsonException($"profile '{name}' has no settings for suite {suite.Id}");
            settings[suite.Id] = json[key].Deserialize(suite.Settings!.Type, Options) ?? throw new JsonException($"profile '{name}': {suite.Id} is null");
            json.Remove(key);
        }

        var profile = json.Deserialize<LabProfile>(Options) ?? throw new JsonException($"profile '{name}' is null");
        if (profile.Noise is null)
        {
            throw new JsonException($"profile '{name}' has no \"noise\" settings (the quiet gate, the disturbed-unit threshold, the calibration probe's size)");
        }

        if (profile.Analysis is null)
        {
            throw new JsonException($"profile '{name}' has no \"analysis\" settings (the equivalence margin and whether the calibration probe is a covariate, declared before a run)");
        }

        if (profile.Analysis.EquivalenceMargin is not (> 0 and < 1))
        {
            throw new JsonException($"profile '{name}': analysis.equivalenceMargin is {profile.Analysis.EquivalenceMargin}; it must be a fraction between 0 and 1 (0.10 = ±10%)");
        }

        return profile with { Name = name, Settings = settings };
    }

    /// <summary>Profile <paramref name="name"/> from the repository's profiles file.</summary>
    public static LabProfile Load(RepoPaths paths, string name)
    {
        var all = Parse(System.IO.File.ReadAllText(PathIn(paths)));
        return all.TryGetValue(name, out var profile)
            ? profile
            : throw new LabException($"There is no profile '{name}' in lab/profiles.json.", $"use --profile with one of: {string.Join(", ", all.Keys)}");
    }
}
