namespace VmLab.Sources;

/// <summary>
/// The fields of one <c>apt-cache show --no-all-versions PACKAGE</c> stanza that VmLab relies on. They come from the
/// archive's Packages index, which apt accepted only because the Release file listing its hash is signed by a key in
/// /usr/share/keyrings; the .deb's SHA256 here is therefore what the signature vouches for.
/// </summary>
public sealed record AptPackageRecord(string Package, string Version, string Architecture, string Filename, long Size, string Sha256)
{
    /// <summary>The name <c>apt-get download</c> saves the package under (epoch colons become <c>%3a</c>).</summary>
    public string DebFileName => $"{Package}_{Version.Replace(":", "%3a", StringComparison.Ordinal)}_{Architecture}.deb";

    /// <summary>Parses the first stanza of <c>apt-cache show</c> output (RFC 822 style fields).</summary>
    public static AptPackageRecord Parse(string aptCacheShowOutput)
    {
        var fields = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in aptCacheShowOutput.Split('\n'))
        {
            if (line.Length == 0 || line == "\r")
            {
                if (fields.Count > 0)
                {
                    break; // end of the first stanza
                }

                continue;
            }

            if (char.IsWhiteSpace(line[0]))
            {
                continue; // continuation of a multi-line field (Description): not needed
            }

            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0)
            {
                fields.TryAdd(line[..colon], line[(colon + 1)..].Trim());
            }
        }

        string Field(string name) => fields.TryGetValue(name, out var value) && value.Length > 0
            ? value
            : throw new Common.LabException($"apt-cache show printed no '{name}' field (fields seen: {string.Join(", ", fields.Keys)}).",
                "run apt-get update, then the same target again");

        return new AptPackageRecord(Field("Package"), Field("Version"), Field("Architecture"), Field("Filename"),
            long.Parse(Field("Size"), System.Globalization.CultureInfo.InvariantCulture), Field("SHA256").ToLowerInvariant());
    }
}
