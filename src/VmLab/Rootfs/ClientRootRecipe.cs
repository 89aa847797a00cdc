using System.Collections.Immutable;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>
/// <c>rootfs/recipes/client.json</c>: L0's benchmark clients (netperf, ab) in a small Debian tree of this machine's
/// own architecture, run with <c>chroot</c> inside the lab's network namespace (DESIGN.md, "Network vantage point").
/// The same format as the image recipes, without their image-only fields (overlays, document set, UnixBench):
/// the client root is a directory that nothing boots.
/// </summary>
/// <param name="Layer">Always <c>l0</c>: the clients run on the machine itself.</param>
/// <param name="Components">Archive components; netperf lives in <c>non-free</c>, which the user's apt sources need not have (and VmLab never changes them).</param>
/// <param name="Variant">The mmdebstrap variant; <c>essential</c> is the Essential:yes set (dpkg, a shell, coreutils), no apt.</param>
/// <param name="Packages">The clients; their dependencies come with them.</param>
/// <param name="Checks">Commands that must exit 0 in the built tree (<c>chroot ROOT /bin/sh -c CHECK</c>).</param>
public sealed record ClientRootRecipe(
    string Name,
    string Layer,
    string Description,
    string Suite,
    ImmutableArray<string> Components,
    string Variant,
    ImmutableArray<string> Packages,
    ImmutableArray<string> Checks)
{
    /// <summary>The recipe's file name under <c>rootfs/recipes/</c>, without <c>.json</c>.</summary>
    public const string FileName = "client";

    /// <summary>The canonical text of the recipe (fixed property order, sorted package list) that enters its key.</summary>
    public string Canonical() => JsonSerializer.Serialize(
        this with { Packages = [.. Packages.Order(StringComparer.Ordinal)] }, RootfsJson.Options);

    internal static IEnumerable<string> Validate(ClientRootRecipe recipe)
    {
        if (recipe.Name != FileName)
        {
            yield return $"name '{recipe.Name}' differs from the file name '{FileName}'";
        }

        if (recipe.Layer != "l0")
        {
            yield return $"layer '{recipe.Layer}' must be l0 (the clients run on L0)";
        }

        if (string.IsNullOrWhiteSpace(recipe.Suite))
        {
            yield return "suite is missing";
        }

        if (recipe.Components.IsDefaultOrEmpty)
        {
            yield return "components is missing (netperf needs main and non-free)";
        }

        // extract and custom install no dpkg (or no shell) unless listed: the package versions and checks need both.
        if (recipe.Variant is not ("essential" or "apt" or "required" or "minbase" or "buildd" or "important" or "standard"))
        {
            yield return $"variant '{recipe.Variant}' is not one that installs dpkg and a shell (essential, apt, minbase, ...)";
        }

        foreach (var problem in DebianNames.PackageListProblems(recipe.Packages))
        {
            yield return problem;
        }

        if (recipe.Checks.IsDefaultOrEmpty)
        {
            yield return "checks is empty (at least 'netperf -V' and 'ab -V')";
        }
    }
}

/// <summary>The client recipe with the settings it shares with the images (<c>rootfs/rootfs.json</c>: mirror, epoch).</summary>
public sealed record ClientRootDefinition(string Directory, ClientRootRecipe Recipe, string Mirror, long SourceDateEpoch)
{
    /// <summary>Reads and validates <c>rootfs/recipes/client.json</c> and the mirror and epoch of <c>rootfs/rootfs.json</c>.</summary>
    public static ClientRootDefinition Load(string rootfsDirectory)
    {
        var settingsPath = Path.Combine(rootfsDirectory, "rootfs.json");
        var settings = RootfsDefinition.Read<RootfsSettings>(settingsPath);
        var path = Path.Combine(rootfsDirectory, "recipes", ClientRootRecipe.FileName + ".json");
        var recipe = RootfsDefinition.Read<ClientRootRecipe>(path);
        var problems = ClientRootRecipe.Validate(recipe).Select(p => $"{path}: {p}").ToList();
        if (!Uri.TryCreate(settings.Mirror, UriKind.Absolute, out _))
        {
            problems.Add($"{settingsPath}: mirror '{settings.Mirror}' is not an absolute URL");
        }

        if (problems.Count > 0)
        {
            throw new LabException(
                "The client root recipe is not valid:\n  " + string.Join("\n  ", problems),
                "fix the files named above (the format is described in rootfs/README.md)");
        }

        return new ClientRootDefinition(rootfsDirectory, recipe, settings.Mirror, settings.SourceDateEpoch);
    }
}

/// <summary>Debian's name for a machine architecture (what <c>dpkg --print-architecture</c> prints).</summary>
public static class DebianArchitecture
{
    /// <summary>This machine's: the client root is native, so its programs run without qemu-user.</summary>
    public static string Native => Of(RuntimeInformation.OSArchitecture);

    public static string Of(Architecture architecture) => architecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "i386",
        Architecture.Arm => "armhf",
        Architecture.Ppc64le => "ppc64el",
        Architecture.S390x => "s390x",
        Architecture.RiscV64 => "riscv64",
        _ => throw new LabException(
            $"VmLab does not know Debian's name for this machine's architecture ({architecture}).",
            "build the client root on an amd64 or arm64 machine"),
    };
}

/// <summary>
/// The client root's content key and where it lives: <c>artifacts/client/&lt;key&gt;/{root/, metadata.json, build.log}</c>.
/// Key = hash of the recipe, mirror, suite, architecture, epoch and <see cref="BuilderVersion"/>.
/// </summary>
public sealed record ClientRootPlan(ClientRootDefinition Definition, string Architecture, ContentKey Key)
{
    /// <summary>Bumped when the build steps change the tree (mmdebstrap options, hooks, what is checked).</summary>
    public const string BuilderVersion = "client-root-builder-1";

    public ClientRootRecipe Recipe => Definition.Recipe;

    public static ClientRootPlan Create(ClientRootDefinition definition, string? architecture = null)
    {
        architecture ??= DebianArchitecture.Native;
        var key = new ContentKey()
            .Add("builder", BuilderVersion)
            .Add("recipe", definition.Recipe.Canonical())
            .Add("mirror", definition.Mirror)
            .Add("suite", definition.Recipe.Suite)
            .Add("architecture", architecture)
            .Add("epoch", definition.SourceDateEpoch.ToString(CultureInfo.InvariantCulture));
        return new ClientRootPlan(definition, architecture, key);
    }

    /// <summary>Every client root lives under here, one folder per key.</summary>
    public static string Parent(RepoPaths paths) => Path.Combine(paths.Artifacts, "client");

    public string Directory(RepoPaths paths) => Path.Combine(Parent(paths), Key.ToString());

    /// <summary>The tree the clients run in (<c>chroot</c> target).</summary>
    public string RootDirectory(RepoPaths paths) => Path.Combine(Directory(paths), "root");

    public string MetadataFile(RepoPaths paths) => Path.Combine(Directory(paths), "metadata.json");

    /// <summary>Done when metadata.json exists: it is written last, after the tree passed its checks.</summary>
    public bool IsBuilt(RepoPaths paths) => File.Exists(MetadataFile(paths)) && System.IO.Directory.Exists(RootDirectory(paths));
}
