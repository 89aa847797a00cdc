using System.Text.Json;
using System.Text.Json.Serialization;
using VmLab.Common;
using VmLab.Suites;

namespace VmLab.Lab;

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
    double L2BootSeconds,
    HackbenchCommand Hackbench,
    KernbenchCommand Kernbench,
    NetperfSettings Netperf,
    ApacheBenchCommand Ab,
    UnixBenchCommand UnixBench)
{
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

    private sealed record File([property: JsonPropertyName("$comment")] string? Comment, Dictionary<string, LabProfile> Profiles);

    /// <summary>The profiles file of the repository at <paramref name="paths"/>.</summary>
    public static string PathIn(RepoPaths paths) => Path.Combine(paths.Root, "lab", "profiles.json");

    /// <summary>All profiles in <paramref name="json"/>, by name, with <see cref="LabProfile.Name"/> filled in.</summary>
    public static IReadOnlyDictionary<string, LabProfile> Parse(string json)
    {
        File file;
        try
        {
            file = JsonSerializer.Deserialize<File>(json, Options) ?? throw new JsonException("the file is empty");
        }
        catch (JsonException ex)
        {
            throw new LabException($"lab/profiles.json is not valid: {ex.Message}", "fix the file (git diff lab/profiles.json shows what changed)", ex);
        }

        return file.Profiles.ToDictionary(p => p.Key, p => p.Value with { Name = p.Key }, StringComparer.Ordinal);
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
