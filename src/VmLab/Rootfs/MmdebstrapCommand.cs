using System.Collections.Immutable;
using System.Globalization;
using CliWrap;
using VmLab.Common;

namespace VmLab.Rootfs;

/// <summary>
/// The mmdebstrap command line for one image, as a value: built, printed (build.log, metadata.json's
/// "reproduce" field), tested as a string, then run.
/// </summary>
/// <param name="Staging">The merged overlay (plus document set and sources) copied over the tree with <c>sync-in</c>.</param>
/// <param name="CustomizeScript">rootfs/customize.sh: builds UnixBench, lists package versions, runs the checks.</param>
/// <param name="HookOutput">Where the customize hook writes what VmLab reads back.</param>
public sealed record MmdebstrapCommand(
    RootfsRecipe Recipe,
    string Mirror,
    long SourceDateEpoch,
    DebootstrapMode Mode,
    string Target,
    string Staging,
    string CustomizeScript,
    string HookOutput)
{
    public ImmutableArray<string> Arguments =>
    [
        $"--mode={(Mode == DebootstrapMode.Root ? "root" : "unshare")}",
        "--arch=arm64",
        $"--variant={Recipe.Variant}",
        $"--components={string.Join(',', Recipe.Components)}",
        $"--include={string.Join(',', Recipe.Packages)}",
        // Recommends would pull in a desktop's worth of QEMU GUI and firmware; the recipe lists what is needed.
        "--aptopt=APT::Install-Recommends \"false\"",
        // Manuals and translations are never read in a benchmark VM; copyright files stay.
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-include=/usr/share/doc/*/copyright",
        $"--customize-hook=sync-in {Staging} /",
        $"--customize-hook=sh {CustomizeScript} \"$1\" {HookOutput}",
        Recipe.Suite,
        Target,
        Mirror,
    ];

    /// <summary>SOURCE_DATE_EPOCH fixes the timestamps mmdebstrap and dpkg write.</summary>
    public IReadOnlyDictionary<string, string?> Environment => EnvironmentFor(SourceDateEpoch);

    public Command ToCommand() => Run(Arguments, SourceDateEpoch);

    /// <summary>The shell form, for logs and metadata.</summary>
    public override string ToString() => Render(Arguments, SourceDateEpoch);

    /// <summary>
    /// The environment of every mmdebstrap VmLab runs (images and the client root): SOURCE_DATE_EPOCH fixes the
    /// timestamps mmdebstrap and dpkg write; LC_ALL=C.UTF-8 keeps apt's messages in the words VmLab recognises.
    /// </summary>
    internal static IReadOnlyDictionary<string, string?> EnvironmentFor(long sourceDateEpoch) => new Dictionary<string, string?>
    {
        ["SOURCE_DATE_EPOCH"] = sourceDateEpoch.ToString(CultureInfo.InvariantCulture),
        ["LC_ALL"] = "C.UTF-8",
    };

    /// <summary>mmdebstrap with <paramref name="arguments"/> in that environment.</summary>
    internal static Command Run(IEnumerable<string> arguments, long sourceDateEpoch) =>
        Cli.Wrap("mmdebstrap").WithArguments(arguments).WithEnvironmentVariables(EnvironmentFor(sourceDateEpoch));

    /// <summary>The shell form of such a run, for logs and metadata.</summary>
    internal static string Render(IEnumerable<string> arguments, long sourceDateEpoch) =>
        $"SOURCE_DATE_EPOCH={sourceDateEpoch} mmdebstrap " + ShellWord.Join(arguments);

}

/// <summary>The mkfs.ext4 command that turns a tree into an image without mounting anything.</summary>
/// <param name="Uuid">Derived from the image key, so the same inputs give the same filesystem UUID.</param>
public sealed record Mkfs4Command(string Tree, string Image, long Bytes, long Inodes, Guid Uuid, long SourceDateEpoch, DebootstrapMode Mode)
{
    public const string Label = "vmlabroot";

    public ImmutableArray<string> Arguments =>
    [
        "-q", "-F",
        "-t", "ext4",
        "-L", Label,
        "-U", Uuid.ToString(),
        "-N", Inodes.ToString(CultureInfo.InvariantCulture),
        "-E", $"root_owner=0:0,hash_seed={Uuid}",
        "-d", Tree,
        Image,
        (Bytes / 1024).ToString(CultureInfo.InvariantCulture) + "k",
    ];

    public Command ToCommand()
    {
        // E2FSPROGS_FAKE_TIME pins the superblock and inode times (reproducible images).
        var env = new Dictionary<string, string?> { ["E2FSPROGS_FAKE_TIME"] = SourceDateEpoch.ToString(CultureInfo.InvariantCulture) };
        // In unshare mode the tree belongs to subordinate ids; inside a user namespace mapping them back,
        // mkfs sees root-owned files again.
        return Mode == DebootstrapMode.Root
            ? Cli.Wrap("mkfs.ext4").WithArguments(Arguments).WithEnvironmentVariables(env)
            : Cli.Wrap("unshare").WithArguments(["--map-auto", "--map-root-user", "--", "mkfs.ext4", .. Arguments]).WithEnvironmentVariables(env);
    }

    public override string ToString() => $"E2FSPROGS_FAKE_TIME={SourceDateEpoch} mkfs.ext4 " + ShellWord.Join(Arguments);
}
