using System.Security.Cryptography;
using System.Text;

namespace VmLab.Common;

/// <summary>
/// Builds the content-addressed key of a stage from every input that can change its output
/// (source hash, fragments, toolchain version, environment...). Same inputs, same key; any change, new key.
/// Inputs are named, so reordering two values cannot collide.
/// </summary>
public sealed class ContentKey
{
    private readonly SortedDictionary<string, string> _inputs = new(StringComparer.Ordinal);

    /// <summary>Adds a named input. Names are unique; adding one twice is a bug.</summary>
    public ContentKey Add(string name, string value)
    {
        if (!_inputs.TryAdd(name, value))
        {
            throw new ArgumentException($"Input '{name}' was added twice.", nameof(name));
        }

        return this;
    }

    /// <summary>Adds a file's sha256 as input <paramref name="name"/>.</summary>
    public ContentKey AddFile(string name, string path) => Add(name, Hashing.Sha256OfFile(path));

    /// <summary>The inputs as they enter the hash, for metadata.json (so a key can be explained).</summary>
    public IReadOnlyDictionary<string, string> Inputs => _inputs;

    /// <summary>The full sha256 over the canonical form of the inputs.</summary>
    public string Sha256()
    {
        var canonical = new StringBuilder();
        foreach (var (name, value) in _inputs)
        {
            canonical.Append(name).Append('\0').Append(value).Append('\n');
        }

        return Hashing.Sha256OfText(canonical.ToString());
    }

    /// <summary>The short form used as a folder name under artifacts/.</summary>
    public override string ToString() => Sha256()[..16];
}

/// <summary>sha256 in lower-case hex, the form used everywhere in VmLab (versions.json, manifests, SHA256SUMS).</summary>
public static class Hashing
{
    public static string Sha256OfText(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    public static string Sha256Of(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));

    public static string Sha256OfFile(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    public static async Task<string> Sha256OfFileAsync(string path, CancellationToken cancellationToken = default)
    {
        await using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken));
    }
}
