using System.Runtime.InteropServices;

namespace VmLab.Common;

/// <summary>
/// Where a command's writes really land. A run directory is evidence: a write must not follow a symlink out of the
/// directory it was meant for (a <c>charts</c> link to another folder would overwrite and delete files there), and no
/// output may land inside a run directory the command reads (a report written into <c>raw/</c> becomes a raw output).
/// </summary>
public static class OutputPath
{
    /// <summary>
    /// <paramref name="path"/> as the kernel would reach it: absolute, every symlink among its existing components
    /// resolved (realpath of the longest existing prefix, the rest appended).
    /// </summary>
    public static string Real(string path)
    {
        var full = Path.GetFullPath(path);
        if (OperatingSystem.IsWindows())
        {
            return full;
        }

        var rest = new Stack<string>();
        var existing = full;
        while (FileNode.Of(existing, follow: true).Kind == FileKind.Missing && Path.GetDirectoryName(existing) is { } parent)
        {
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }

        var resolved = RealPath(existing) ?? existing;
        return rest.Aggregate(resolved, Path.Combine);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="directory"/> or lies under it, symlinks resolved.</summary>
    public static bool IsInside(string path, string directory)
    {
        var p = Path.TrimEndingDirectorySeparator(Real(path));
        var d = Path.TrimEndingDirectorySeparator(Real(directory));
        return p == d || p.StartsWith(d + Path.DirectorySeparatorChar, StringComparison.Ordinal);
    }

    /// <summary>
    /// Refuses, before anything is written, a write to <paramref name="path"/> when it is not under
    /// <paramref name="root"/> or when a component below <paramref name="root"/> (the file itself included) is a symlink.
    /// </summary>
    /// <param name="writer">Who writes, for the message ("vmlab report").</param>
    public static void RefuseLinks(string root, string path, string writer)
    {
        var top = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var full = Path.GetFullPath(path);
        if (!full.StartsWith(top + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new LabException($"{writer} would write {full}, outside {top}.", "give an output path inside the directory it writes");
        }

        var current = top;
        foreach (var part in Path.GetRelativePath(top, full).Split(Path.DirectorySeparatorChar))
        {
            current = Path.Combine(current, part);
            if (FileNode.Of(current).Kind == FileKind.Symlink)
            {
                throw new LabException(
                    $"{current} is a symlink (to {new FileInfo(current).LinkTarget}): {writer} writes only inside {top} and does not follow it.",
                    $"remove the link (rm {current}), then run the command again");
            }
        }
    }

    private static string? RealPath(string path)
    {
        var resolved = Realpath(path, IntPtr.Zero);
        if (resolved == IntPtr.Zero)
        {
            return null;
        }

        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            Free(resolved);
        }
    }

    [DllImport("libc", EntryPoint = "realpath", SetLastError = true)]
    private static extern IntPtr Realpath([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr resolved);

    [DllImport("libc", EntryPoint = "free")]
    private static extern void Free(IntPtr pointer);
}
