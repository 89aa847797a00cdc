using System.Text.RegularExpressions;
using CliWrap;
using VmLab.Common;
using VmLab.Sources;

namespace VmLab.Kernel;

/// <summary>
/// A verified kernel tarball unpacked once under <c>artifacts/kernel-src/&lt;sha256[..16]&gt;/</c> and shared by every
/// build of that source. Outputs go to subdirectories of it (<c>O=out-…</c>) so kbuild uses the relative
/// <c>srctree := ..</c> and no absolute path reaches the compiler's output.
/// </summary>
public sealed partial record KernelSourceTree(string Dir, string Version, DateTimeOffset ReleaseTimestamp)
{
    private const string Stamp = ".vmlab-unpacked";

    /// <summary>Unpacks <paramref name="source"/> unless an earlier run did (a stamp written last marks a complete tree).</summary>
    public static async Task<KernelSourceTree> UnpackAsync(FetchedSource source, string parent, Action<string>? report, CancellationToken cancellationToken)
    {
        var dir = Path.Combine(parent, source.Sha256[..16]);
        if (!File.Exists(Path.Combine(dir, Stamp)))
        {
            var temp = Path.Combine(parent, $".{source.Sha256[..16]}.{Environment.ProcessId}.tmp");
            if (Directory.Exists(temp))
            {
                Directory.Delete(temp, recursive: true);
            }

            Directory.CreateDirectory(temp);
            report?.Invoke($"unpacking {Path.GetFileName(source.Path)} into {dir}");
            await LoggedCommand.RunAsync(
                Cli.Wrap("tar").WithArguments(["-x", "-f", source.Path, "-C", temp, "--strip-components=1"]),
                Path.Combine(parent, "unpack.log"), $"unpacking {source.Path}",
                next: "check free disk space (df -h) and run the same target again", cancellationToken: cancellationToken);
            await File.WriteAllTextAsync(Path.Combine(temp, Stamp), source.Sha256 + "\n", cancellationToken);
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true); // an unpack interrupted before its stamp
            }

            Directory.Move(temp, dir);
        }

        return Open(dir);
    }

    /// <summary>Reads version and release timestamp of an unpacked tree.</summary>
    public static KernelSourceTree Open(string dir)
    {
        var makefile = Path.Combine(dir, "Makefile");
        var version = VersionOf(File.ReadAllText(makefile));
        // tar keeps the mtimes the release was packed with: the top-level Makefile's is the source's own date.
        var timestamp = new DateTimeOffset(File.GetLastWriteTimeUtc(makefile), TimeSpan.Zero);
        return new KernelSourceTree(dir, version, timestamp);
    }

    /// <summary>"6.1.192" from the VERSION/PATCHLEVEL/SUBLEVEL/EXTRAVERSION lines of the top-level Makefile.</summary>
    public static string VersionOf(string makefile)
    {
        string Field(string name) => Regex.Match(makefile, $@"^{name}\s*=\s*(\S*)\s*$", RegexOptions.Multiline) is { Success: true } m ? m.Groups[1].Value : "";
        var version = $"{Field("VERSION")}.{Field("PATCHLEVEL")}.{Field("SUBLEVEL")}{Field("EXTRAVERSION")}";
        return version.StartsWith('.') ? throw new LabException("The kernel Makefile has no VERSION line: is this a kernel tree?") : version;
    }
}
