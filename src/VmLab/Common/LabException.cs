namespace VmLab.Common;

/// <summary>
/// A failure a user can hit and fix (missing tool, bad checksum, hung guest, full disk): says what happened,
/// why, and the next command to run. The CLI prints <see cref="Exception.Message"/> and <see cref="Next"/>, never a stack trace.
/// </summary>
public class LabException(string message, string? next = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>What the user should do now, e.g. "run ./build.sh --target=Prerequisites".</summary>
    public string? Next { get; } = next;

    public override string ToString() => Next is null ? Message : $"{Message}\n  next: {Next}";
}
