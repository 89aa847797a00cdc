using System.Collections.Immutable;
using System.Security.Cryptography;
using System.Text;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>The content key of one image and everything that went into it.</summary>
public sealed record ImagePlan(RootfsRecipe Recipe, ContentKey Key, SourceUse UnixBench, SourceUse DocumentSet, int HeadroomMiB)
{
    /// <summary>Cached images live per image key, so changing one recipe rebuilds only that image.</summary>
    public string Directory(RepoPaths paths) => Path.Combine(paths.Artifacts, "rootfs", "images", Recipe.Name, Key.ToString());

    public string ImageFile(RepoPaths paths) => Path.Combine(Directory(paths), Recipe.Name + ".img");

    public string MetadataFile(RepoPaths paths) => Path.Combine(Directory(paths), "metadata.json");

    /// <summary>
    /// The commands that must exit 0 inside the tree: the recipe's, then <see cref="UnixBenchInstall.Checks"/> when
    /// UnixBench goes into this image (wanted by the recipe and its source available).
    /// </summary>
    public ImmutableArray<string> Checks => HasUnixBench ? [.. Recipe.Checks, .. UnixBenchInstall.Checks] : Recipe.Checks;

    /// <summary>True when UnixBench is built into this image.</summary>
    public bool HasUnixBench => Recipe.UnixBench && UnixBench.Sha256 is not null;

    /// <summary>An image is done when its metadata exists (written last, atomically, after the image).</summary>
    public bool IsBuilt(RepoPaths paths) => File.Exists(MetadataFile(paths)) && File.Exists(ImageFile(paths));
}

/// <summary>
/// Which images to build under which keys. Key = hash of the recipe, the overlay files, the customize hook,
/// the sources used, the mirror, the epoch and the headroom; the set's key (the folder
/// <c>artifacts/rootfs/&lt;key&gt;/</c> of the contract) is the hash of its images' keys.
/// </summary>
public sealed record RootfsPlan(RootfsDefinition Definition, ImmutableArray<ImagePlan> Images)
{
    /// <summary>Bumped when the build steps change in a way that changes images (mmdebstrap options, mkfs options).</summary>
    public const string BuilderVersion = "rootfs-builder-2";

    public ContentKey SetKey
    {
        get
        {
            var key = new ContentKey();
            foreach (var image in Images)
            {
                key.Add("image:" + image.Recipe.Name, image.Key.Sha256());
            }

            return key;
        }
    }

    public string SetDirectory(RepoPaths paths) => Path.Combine(paths.Artifacts, "rootfs", SetKey.ToString());

    /// <summary>Plans every image of <paramref name="definition"/> (or only <paramref name="only"/>).</summary>
    /// <param name="unixBench">How UnixBench was resolved (<see cref="SourceUse.ResolveUnixBenchAsync"/>): its sha256, or unavailable.</param>
    public static RootfsPlan Create(RootfsDefinition definition, SourceUse unixBench, int? headroomMiB = null, IReadOnlyCollection<string>? only = null)
    {
        var recipes = only is { Count: > 0 } ? only.Select(definition.Recipe).ToImmutableArray() : definition.Recipes;
        var docs = definition.Sources.DocumentSet;
        var docSet = new SourceUse(
            docs.Name, SourceStatus.Substituted,
            $"{docs.Original} replaced by a generated deterministic tree ({DocumentSet.GeneratorVersion}) whose index.html is {docs.IndexBytes} bytes, the size the study served",
            Hashing.Sha256OfText(string.Concat(DocumentSet.Generate(docs.IndexBytes).Select(f => f.Path + "\0" + Convert.ToHexStringLower(SHA256.HashData(f.Content)) + "\n"))));
        var headroom = headroomMiB ?? definition.Settings.HeadroomMiB;
        var hook = Hashing.Sha256OfFile(Path.Combine(definition.Directory, "customize.sh"));

        var images = recipes.Select(recipe =>
        {
            var key = new ContentKey()
                .Add("builder", BuilderVersion)
                .Add("recipe", recipe.Canonical())
                .Add("overlay", OverlayDigest(definition.Directory, recipe.Overlays))
                .Add("customize.sh", hook)
                .Add("mirror", definition.Settings.Mirror)
                .Add("epoch", definition.Settings.SourceDateEpoch.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("headroomMiB", headroom.ToString(System.Globalization.CultureInfo.InvariantCulture))
                .Add("unixbench", recipe.UnixBench ? unixBench.Sha256 ?? "unavailable" : "not wanted")
                .Add("documentSet", recipe.DocumentSet ? docSet.Sha256! : "not wanted");
            var image = new ImagePlan(recipe, key, unixBench, docSet, headroom);
            key.Add("checks", string.Join("\n", image.Checks));
            return image;
        });
        return new RootfsPlan(definition, [.. images]);
    }

    /// <summary>
    /// One hash over the overlay folders in order: each entry's relative path, kind, permission bits and
    /// content (or link target). A chmod +x or a new empty file changes it; a checkout's timestamps do not.
    /// </summary>
    public static string OverlayDigest(string rootfsDirectory, IEnumerable<string> overlays)
    {
        var text = new StringBuilder();
        foreach (var overlay in overlays)
        {
            var dir = Path.Combine(rootfsDirectory, overlay);
            text.Append("overlay ").Append(overlay).Append('\n');
            var entries = ImageSize.Walk(dir)
                .OrderBy(e => Path.GetRelativePath(dir, e.FullName), StringComparer.Ordinal);
            foreach (var entry in entries)
            {
                var relative = Path.GetRelativePath(dir, entry.FullName).Replace('\\', '/');
                var mode = OperatingSystem.IsWindows() ? "" : Convert.ToString((int)entry.UnixFileMode, 8);
                var what = entry switch
                {
                    _ when entry.LinkTarget is { } target => "link " + target,
                    FileInfo f => "file " + Hashing.Sha256OfFile(f.FullName),
                    _ => "dir",
                };
                text.Append(relative).Append(' ').Append(mode).Append(' ').Append(what).Append('\n');
            }
        }

        return Hashing.Sha256OfText(text.ToString());
    }
}
