using System.Collections.Immutable;
using System.Globalization;
using System.Text.Json.Serialization;
using System.Text.Json;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>
/// One image's recipe, as written in <c>rootfs/recipes/&lt;name&gt;.json</c>: what Debian to install and
/// what to lay over it. Data, not code: adding a package is a one-line change that rebuilds only this image.
/// </summary>
/// <param name="Name">The image name and file name (<c>guest</c> → <c>guest.img</c>).</param>
/// <param name="Layer">The protocol layer the image boots as (<c>l1</c> or <c>l2</c>).</param>
/// <param name="Suite">The Debian suite, e.g. <c>bookworm</c>.</param>
/// <param name="Components">Archive components; netperf lives in <c>non-free</c>.</param>
/// <param name="Variant">The mmdebstrap variant (<c>apt</c>: Essential packages plus apt, no init system).</param>
/// <param name="Packages">Packages installed on top of the variant.</param>
/// <param name="Overlays">Folders under <c>rootfs/</c> copied over the tree, in order (later wins).</param>
/// <param name="DocumentSet">Whether apache2's <c>/gcc/</c> document set goes into <c>/var/www/html</c>.</param>
/// <param name="UnixBench">Whether UnixBench is built from source into <c>/opt/UnixBench</c> (when the source is available).</param>
/// <param name="Checks">Commands that must exit 0 inside the built tree (run through the chroot and qemu-user).</param>
public sealed record RootfsRecipe(
    string Name,
    string Layer,
    string Description,
    string Suite,
    ImmutableArray<string> Components,
    string Variant,
    ImmutableArray<string> Packages,
    ImmutableArray<string> Overlays,
    bool DocumentSet,
    bool UnixBench,
    ImmutableArray<string> Checks)
{
    /// <summary>The canonical text of the recipe (fixed property order, sorted package list) that enters its key.</summary>
    public string Canonical() => JsonSerializer.Serialize(
        this with { Packages = [.. Packages.Order(StringComparer.Ordinal)] }, RootfsJson.Options);
}

/// <summary>Settings shared by every image (<c>rootfs/rootfs.json</c>).</summary>
/// <param name="Mirror">The Debian mirror mmdebstrap installs from.</param>
/// <param name="SourceDateEpoch">Fixed timestamp for the build (SOURCE_DATE_EPOCH, mkfs.ext4's fake time).</param>
/// <param name="HeadroomMiB">Free space added to each image beyond its content (the images are sparse files, so headroom costs no disk).</param>
/// <param name="Images">The images built by default, in order.</param>
public sealed record RootfsSettings(string Mirror, long SourceDateEpoch, int HeadroomMiB, ImmutableArray<string> Images);

/// <summary>Everything under <c>rootfs/</c> that describes the images: settings, recipes, sources.</summary>
public sealed record RootfsDefinition(string Directory, RootfsSettings Settings, ImmutableArray<RootfsRecipe> Recipes, BenchmarkSources Sources)
{
    private static readonly string[] Layers = ["l1", "l2"];

    /// <summary>Reads and validates <c>rootfs/</c>; every problem is reported at once, with the file it is in.</summary>
    public static RootfsDefinition Load(string directory)
    {
        var settingsPath = Path.Combine(directory, "rootfs.json");
        var settings = Read<RootfsSettings>(settingsPath);
        var problems = new List<string>();
        if (!Uri.TryCreate(settings.Mirror, UriKind.Absolute, out _))
        {
            problems.Add($"{settingsPath}: mirror '{settings.Mirror}' is not an absolute URL");
        }

        if (settings.HeadroomMiB < 0)
        {
            problems.Add($"{settingsPath}: headroomMiB must not be negative");
        }

        var recipes = new List<RootfsRecipe>();
        foreach (var name in settings.Images.IsDefault ? [] : settings.Images)
        {
            var path = Path.Combine(directory, "recipes", name + ".json");
            if (!File.Exists(path))
            {
                problems.Add($"{settingsPath}: image '{name}' has no recipe {path}");
                continue;
            }

            var recipe = Read<RootfsRecipe>(path);
            problems.AddRange(Validate(recipe, name, directory).Select(p => $"{path}: {p}"));
            recipes.Add(recipe);
        }

        if (recipes.Count == 0 && problems.Count == 0)
        {
            problems.Add($"{settingsPath}: 'images' lists no image");
        }

        if (problems.Count > 0)
        {
            throw new LabException(
                "The rootfs recipes are not valid:\n  " + string.Join("\n  ", problems),
                "fix the files named above (the format is described in rootfs/README.md)");
        }

        var sources = BenchmarkSources.Load(Path.Combine(directory, "sources.json"));
        return new RootfsDefinition(directory, settings, [.. recipes], sources);
    }

    /// <summary>The recipe called <paramref name="name"/>, or an error listing the known ones.</summary>
    public RootfsRecipe Recipe(string name) =>
        Recipes.FirstOrDefault(r => r.Name == name)
        ?? throw new LabException(
            $"There is no rootfs image called '{name}' (known: {string.Join(", ", Recipes.Select(r => r.Name))}).",
            "run vmlab rootfs --image " + string.Join("|", Recipes.Select(r => r.Name)));

    internal static IEnumerable<string> Validate(RootfsRecipe recipe, string expectedName, string directory)
    {
        if (recipe.Name != expectedName)
        {
            yield return $"name '{recipe.Name}' differs from the file name '{expectedName}'";
        }

        if (!Layers.Contains(recipe.Layer))
        {
            yield return $"layer '{recipe.Layer}' is not one of {string.Join(", ", Layers)}";
        }

        if (string.IsNullOrWhiteSpace(recipe.Suite))
        {
            yield return "suite is missing";
        }

        if (recipe.Components.IsDefaultOrEmpty)
        {
            yield return "components is missing (at least main)";
        }

        foreach (var problem in DebianNames.PackageListProblems(recipe.Packages))
        {
            yield return problem;
        }

        foreach (var overlay in recipe.Overlays.IsDefault ? [] : recipe.Overlays)
        {
            if (!System.IO.Directory.Exists(Path.Combine(directory, overlay)))
            {
                yield return $"overlay '{overlay}' does not exist under {directory}";
            }
        }
    }

    internal static T Read<T>(string path)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(File.ReadAllText(path), RootfsJson.Options)
                ?? throw new LabException($"{path} is empty.", "restore it with git checkout -- " + path);
        }
        catch (FileNotFoundException)
        {
            throw new LabException($"{path} does not exist.", "run vmlab from a complete VmLab checkout (git status)");
        }
        catch (JsonException ex)
        {
            throw new LabException($"{path} is not valid: {ex.Message}", "fix the JSON (the format is described in rootfs/README.md)");
        }
    }
}

/// <summary>Debian's naming rule for packages (Debian Policy 5.6.1).</summary>
internal static class DebianNames
{
    public static bool IsPackageName(string name) =>
        name.Length >= 2
        && char.IsAsciiLetterLower(name[0]) | char.IsAsciiDigit(name[0])
        && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '+' or '-' or '.');

    /// <summary>What is wrong with a recipe's package list: empty, a name that is not a package name, a name twice.</summary>
    public static IEnumerable<string> PackageListProblems(System.Collections.Immutable.ImmutableArray<string> packages)
    {
        if (packages.IsDefaultOrEmpty)
        {
            yield return "packages is empty";
            yield break;
        }

        foreach (var bad in packages.Where(p => !IsPackageName(p)))
        {
            yield return $"'{bad}' is not a Debian package name";
        }

        foreach (var twice in packages.GroupBy(p => p).Where(g => g.Count() > 1))
        {
            yield return $"package '{twice.Key}' is listed twice";
        }
    }
}

/// <summary>The JSON conventions of the rootfs files: camelCase, strict (unknown properties are errors), indented.</summary>
internal static class RootfsJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>The <c>builtAtUtc</c> of a build's metadata: now, to the second.</summary>
    public static string BuiltAtUtc(TimeProvider time) =>
        time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
}
