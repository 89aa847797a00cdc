using System.Text.Json;
using System.Text.Json.Serialization;
using VmLab.Sources;

namespace VmLab.Kernel;

/// <summary>A built file: where it is, its size and sha256.</summary>
public sealed record ArtifactFile(string File, long Size, string Sha256);

/// <summary>How much ccache contributed to one build.</summary>
public sealed record CcacheUse(bool Enabled, long Hits, long Misses);

/// <summary>
/// <c>metadata.json</c> of one kernel (tuxmake style): every input, the tools, how long it took, what came out, and
/// the commands that reproduce it. Written last, so its presence marks a finished build. On disk it is one flat
/// object, the groups' members in turn (<see cref="KernelMetadataJsonConverter"/>).
/// </summary>
[JsonConverter(typeof(KernelMetadataJsonConverter))]
public sealed record KernelMetadata(
    KernelIdentity Identity,
    KernelSourceUse Source,
    KernelConfigUse Config,
    KernelToolchainUse Toolchain,
    KernelBuildOutcome Build);

/// <summary>Which kernel this is and its cache key, with every input the key hashes.</summary>
/// <param name="Flavor">host or guest.</param>
public sealed record KernelIdentity(string Flavor, string Key, IReadOnlyDictionary<string, string> KeyInputs);

/// <summary>The source the kernel was built from, the pin it stands for, and whether a fallback replaced that pin.</summary>
/// <param name="Fetched">The file used and how it was obtained (<c>source</c> in the file).</param>
/// <param name="KernelVersion">The version of the unpacked tree (the fallback's, when one was used).</param>
public sealed record KernelSourceUse(
    [property: JsonPropertyName("source")] FetchedSource Fetched,
    string PinnedVersion,
    string PinnedSha256,
    bool FallbackUsed,
    string? FallbackWarning,
    string KernelVersion);

/// <summary>The configuration: the base make target and the fragments merged onto it.</summary>
public sealed record KernelConfigUse(string Base, IReadOnlyList<FragmentUse> Fragments);

/// <summary>The tools and the reproducible environment make ran with.</summary>
/// <param name="Versions">The tool versions (<c>toolchain</c> in the file).</param>
public sealed record KernelToolchainUse(
    [property: JsonPropertyName("toolchain")] Toolchain Versions,
    IReadOnlyDictionary<string, string> Environment);

/// <summary>How the build went and what came out of it.</summary>
/// <param name="Outputs">Image, System.map and .config, by name.</param>
/// <param name="Reproduce">The commands that rebuild it, with VmLab and by hand.</param>
public sealed record KernelBuildOutcome(
    double ConfigSeconds,
    double BuildSeconds,
    CcacheUse Ccache,
    IReadOnlyDictionary<string, ArtifactFile> Outputs,
    IReadOnlyList<string> Reproduce);

/// <summary>A fragment as used: name, path relative to the repository, sha256.</summary>
public sealed record FragmentUse(string Name, string Path, string Sha256);

/// <summary>
/// Keeps <see cref="KernelMetadata"/> the flat object its <c>metadata.json</c> has always been: written as each group's
/// members in turn, read by giving every group the whole object. Files built before the grouping still load, and
/// the lab's manifest and the release read the same members as before.
/// </summary>
internal sealed class KernelMetadataJsonConverter : JsonConverter<KernelMetadata>
{
    public override KernelMetadata Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var flat = JsonElement.ParseValue(ref reader);
        T Group<T>() => flat.Deserialize<T>(options) ?? throw new JsonException($"kernel metadata: no {typeof(T).Name}");
        return new KernelMetadata(Group<KernelIdentity>(), Group<KernelSourceUse>(), Group<KernelConfigUse>(), Group<KernelToolchainUse>(), Group<KernelBuildOutcome>());
    }

    public override void Write(Utf8JsonWriter writer, KernelMetadata value, JsonSerializerOptions options)
    {
        writer.WriteStartObject();
        WriteMembers(writer, value.Identity, options);
        WriteMembers(writer, value.Source, options);
        WriteMembers(writer, value.Config, options);
        WriteMembers(writer, value.Toolchain, options);
        WriteMembers(writer, value.Build, options);
        writer.WriteEndObject();
    }

    private static void WriteMembers<T>(Utf8JsonWriter writer, T group, JsonSerializerOptions options)
    {
        foreach (var member in JsonSerializer.SerializeToElement(group, options).EnumerateObject())
        {
            member.WriteTo(writer);
        }
    }
}
