namespace VmLab.Sources;

/// <summary>A download's progress: bytes on disk so far (resumed bytes included) and the total when the server said.</summary>
public readonly record struct DownloadProgress(string FileName, long Received, long? Total)
{
    public override string ToString() => Total is { } total and > 0
        ? $"{FileName}: {Received / 1048576.0:F1} / {total / 1048576.0:F1} MiB ({100.0 * Received / total:F0}%)"
        : $"{FileName}: {Received / 1048576.0:F1} MiB";
}
