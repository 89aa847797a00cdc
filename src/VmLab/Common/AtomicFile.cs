namespace VmLab.Common;

/// <summary>
/// Writes that either happen whole or not at all: write a temporary file beside the target, then rename.
/// A crash, Ctrl-C or full disk mid-write leaves the previous content (or nothing), never half a file.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string contents) =>
        Write(path, temp => File.WriteAllText(temp, contents));

    public static void WriteAllBytes(string path, byte[] contents) =>
        Write(path, temp => File.WriteAllBytes(temp, contents));

    public static async Task WriteAllTextAsync(string path, string contents, CancellationToken cancellationToken = default)
    {
        var temp = TempBeside(path);
        try
        {
            await File.WriteAllTextAsync(temp, contents, cancellationToken);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Runs <paramref name="write"/> against a temporary path beside <paramref name="path"/>, then renames it into place.</summary>
    public static void Write(string path, Action<string> write)
    {
        var temp = TempBeside(path);
        try
        {
            write(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp); // no-op after a successful move
        }
    }

    private static string TempBeside(string path)
    {
        var full = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
    }
}
