using System.Collections.Immutable;
using System.Globalization;
using CliWrap;

namespace VmLab.Rootfs;

/// <summary>
/// The mmdebstrap command line of the client root, as a value: built, printed (build.log, metadata.json's
/// "reproduce" field), tested as a string, then run. Always <c>--mode=root</c>: only root creates the device
/// nodes (<c>/dev/null</c>, <c>/dev/urandom</c>) in a directory tree, and only root can use the tree anyway
/// (<c>chroot</c> inside a network namespace).
/// </summary>
/// <param name="MergedUsrHooks">
/// mmdebstrap's <c>hooks/merged-usr</c> folder: sets up merged /usr with symlinks the way debootstrap does and
/// installs <c>usr-is-merged</c>, so apt does not pull in the <c>usrmerge</c> package and with it perl
/// (measured: 116 MB and 76 packages without it, 65 MB and 68 packages with it).
/// </param>
public sealed record ClientMmdebstrapCommand(ClientRootRecipe Recipe, string Architecture, string Mirror, long SourceDateEpoch, string Target, string MergedUsrHooks = ClientMmdebstrapCommand.DefaultMergedUsrHooks)
{
    /// <summary>Where Debian's mmdebstrap package installs the hook folder.</summary>
    public const string DefaultMergedUsrHooks = "/usr/share/mmdebstrap/hooks/merged-usr";

    public ImmutableArray<string> Arguments =>
    [
        "--mode=root",
        $"--arch={Architecture}",
        $"--variant={Recipe.Variant}",
        $"--components={string.Join(',', Recipe.Components)}",
        $"--include={string.Join(',', Recipe.Packages)}",
        $"--hook-dir={MergedUsrHooks}",
        "--aptopt=APT::Install-Recommends \"false\"",
        // Manuals and translations are never read by a benchmark client; copyright files stay.
        "--dpkgopt=path-exclude=/usr/share/man/*",
        "--dpkgopt=path-exclude=/usr/share/locale/*",
        "--dpkgopt=path-exclude=/usr/share/doc/*",
        "--dpkgopt=path-include=/usr/share/doc/*/copyright",
        Recipe.Suite,
        Target,
        Mirror,
    ];

    /// <summary>The environment every VmLab mmdebstrap runs in (<see cref="MmdebstrapCommand.EnvironmentFor"/>).</summary>
    public IReadOnlyDictionary<string, string?> Environment => MmdebstrapCommand.EnvironmentFor(SourceDateEpoch);

    public Command ToCommand() => MmdebstrapCommand.Run(Arguments, SourceDateEpoch);

    /// <summary>The shell form, for logs and metadata.</summary>
    public override string ToString() => MmdebstrapCommand.Render(Arguments, SourceDateEpoch);
}
