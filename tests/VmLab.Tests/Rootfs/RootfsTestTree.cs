using VmLab.Common;

namespace VmLab.Tests.Rootfs;

/// <summary>The repository's real <c>rootfs/</c>, and throw-away copies of it to change one thing at a time.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
internal static class RootfsTestTree
{
    public static RepoPaths Repo { get; } = RepoPaths.Find(AppContext.BaseDirectory);

    public static string RealDirectory => Repo.RootfsDir;

    /// <summary>A copy of rootfs/ in a new temporary folder (modes and links kept, like a checkout).</summary>
    public static string Copy()
    {
        var target = Directory.CreateTempSubdirectory("vmlab-rootfs-").FullName;
        CopyTree(RealDirectory, target);
        return target;
    }

    private static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var entry in new DirectoryInfo(from).EnumerateFileSystemInfos())
        {
            var dest = Path.Combine(to, entry.Name);
            if (entry.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(dest, link);
            }
            else if (entry is DirectoryInfo)
            {
                CopyTree(entry.FullName, dest);
            }
            else
            {
                File.Copy(entry.FullName, dest);
                File.SetUnixFileMode(dest, entry.UnixFileMode);
            }
        }
    }
}
