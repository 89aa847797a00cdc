using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using VmLab.Common;
using VmLab.Results;

namespace VmLab.Lab.Artifacts;

/// <summary>
/// What the kernel and rootfs stages recorded about the artifacts a run boots (their <c>metadata.json</c>), as the
/// manifest needs it: where each source really came from and every fallback or substitution in force, the images'
/// sha256s (hashed once by the rootfs stage), the toolchain, and the size of the page ab fetches.
/// </summary>
public sealed partial record ArtifactProvenance(
    IReadOnlyList<SourceRecord> Sources,
    IReadOnlyDictionary<string, string> ImageSha256,
    IReadOnlyDictionary<string, string> Tools,
    long? AbDocumentLength)
{
    /// <summary>The packages of each image whose versions the report names (what ran the benchmarks, and L2).</summary>
    public static readonly string[] ReportedPackages = ["qemu-system-arm", "gcc", "netperf", "apache2", "rt-tests", "libc6"];

    /// <summary>The kernel both layers boot and the versions of <see cref="ReportedPackages"/> in each image.</summary>
    public IReadOnlyList<SoftwareVersion> Software { get; init; } = [];

    public static ArtifactProvenance None { get; } = new([], new Dictionary<string, string>(), new Dictionary<string, string>(), null);

    /// <summary>
    /// The provenance with this machine's paths in the sources' descriptions written relatively
    /// (<see cref="RepoPaths.ShownIn"/>): artifacts built before paths were recorded that way still give a manifest
    /// that another machine would write the same.
    /// </summary>
    public ArtifactProvenance ShownBy(RepoPaths paths) => this with
    {
        Sources = [.. Sources.Select(s => s with { Url = paths.ShownIn(s.Url), Fallback = s.Fallback is { } f ? paths.ShownIn(f) : null })],
    };

    /// <summary>Reads the metadata beside <paramref name="artifacts"/>; a missing or unreadable file contributes nothing.</summary>
    public static ArtifactProvenance Read(LabArtifacts artifacts)
    {
        var kernel = Load(Path.Combine(Path.GetDirectoryName(artifacts.HostKernel)!, "metadata.json"));
        var images = new[] { ("host", artifacts.HostImage), ("guest", artifacts.GuestImage) }
            .Select(i => (Name: i.Item1, Metadata: ImageMetadata(i.Item2, i.Item1)))
            .ToList();
        return FromMetadata(kernel, images);
    }

    /// <summary>The provenance in a kernel <c>metadata.json</c> and the images' own metadata (null where missing).</summary>
    public static ArtifactProvenance FromMetadata(JsonNode? kernel, IReadOnlyList<(string Name, JsonNode? Metadata)> images)
    {
        var sources = new List<SourceRecord>();
        var tools = new SortedDictionary<string, string>(StringComparer.Ordinal);
        if (kernel?["source"] is { } source)
        {
            var fallback = source["isFallback"]?.GetValue<bool>() == true ? source["warning"]?.GetValue<string>() : null;
            sources.Add(new SourceRecord(
                $"kernel source ({Text(source["name"]) ?? "linux"} {Text(source["version"])}; both kernels and the kernbench tree)",
                Text(source["from"]) is { } from ? $"{Text(source["origin"])}: {from}" : Text(source["path"]) ?? "?",
                Text(source["sha256"]),
                fallback));
        }

        foreach (var (name, value) in kernel?["toolchain"]?.AsObject() ?? [])
        {
            if (Text(value) is { } version)
            {
                tools[name] = version;
            }
        }

        var shas = new SortedDictionary<string, string>(StringComparer.Ordinal);
        long? abLength = null;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, metadata) in images)
        {
            if (Text(metadata?["imageSha256"]) is { } sha)
            {
                shas[name] = sha;
            }

            foreach (var s in metadata?["sources"]?.AsArray() ?? [])
            {
                var summary = Text(s?["summary"]) ?? Text(s?["name"]) ?? "?";
                if (!seen.Add(summary))
                {
                    continue; // both images declare the same source
                }

                var status = Text(s?["status"]);
                var detail = Text(s?["detail"]) ?? "";
                sources.Add(new SourceRecord(
                    Text(s?["name"]) ?? "?",
                    "", // the rootfs stage records what it used in the detail
                    Text(s?["sha256"]),
                    status is "unavailable" or "substituted" or "fallback" ? $"{status}: {detail}" : null));
                if (Text(s?["name"]) == "Apache document set" && IndexLength().Match(summary) is { Success: true } m)
                {
                    abLength = long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
                }
            }
        }

        return new ArtifactProvenance(sources, shas, tools, abLength) { Software = SoftwareOf(kernel, images) };
    }

    private static List<SoftwareVersion> SoftwareOf(JsonNode? kernel, IReadOnlyList<(string Name, JsonNode? Metadata)> images)
    {
        var software = new List<SoftwareVersion>();
        if (Text(kernel?["kernelVersion"]) is { } version)
        {
            software.Add(new SoftwareVersion("Linux kernel", "L1 and L2 (host and guest builds of one source)", version));
        }

        foreach (var (name, metadata) in images)
        {
            var packages = (metadata?["packages"]?.AsArray() ?? [])
                .GroupBy(p => Text(p?["name"]) ?? "", StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => Text(g.First()?["version"]) ?? "?", StringComparer.Ordinal);
            foreach (var package in ReportedPackages.Where(packages.ContainsKey))
            {
                software.Add(new SoftwareVersion(package, $"{name} image ({(name == "host" ? "L1" : "L2")})", packages[package]));
            }
        }

        return software;
    }

    /// <summary>An image's metadata: its own file (images/&lt;name&gt;/&lt;key&gt;/) or its entry in a set's file.</summary>
    private static JsonNode? ImageMetadata(string image, string name)
    {
        var metadata = Load(Path.Combine(Path.GetDirectoryName(image)!, "metadata.json"));
        return metadata?["images"] is JsonArray set
            ? set.FirstOrDefault(i => Text(i?["name"]) == name)
            : metadata;
    }

    private static JsonNode? Load(string path)
    {
        try
        {
            return File.Exists(path) ? JsonNode.Parse(File.ReadAllText(path)) : null;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    [GeneratedRegex(@"index\.html is (\d+) bytes")]
    private static partial Regex IndexLength();
}

/// <summary>L0's side of the manifest: the VmLab commit, the machine, and the versions of the tools the run used.</summary>
public sealed record L0Facts(string? VmlabVersion, string? Uname, string? Cpu, IReadOnlyDictionary<string, string> Tools)
{
    /// <summary>What L0 runs on: a VM or container (systemd-detect-virt) and the CPU's hypervisor flag; null when unknown.</summary>
    public string? Virtualization { get; init; }

    /// <summary>L0's transparent_hugepage/enabled.</summary>
    public string? Thp { get; init; }

    /// <summary>/proc/loadavg when the facts were gathered (the run's start).</summary>
    public string? Load { get; init; }

    /// <summary>
    /// sha256 of /etc/machine-id, first 16 hex digits: names the machine without publishing its id, so two shards ran
    /// on one machine exactly when theirs agree; null when the file is missing.
    /// </summary>
    public string? MachineId { get; init; }

    /// <summary>kernel.sched_autogroup_enabled: when on, each session gets an equal CPU share whatever its nice value; null when unknown.</summary>
    public bool? Autogroup { get; init; }

    /// <summary>What autogroup means for the run, for the log and the report; null when it is off or unknown.</summary>
    public string? AutogroupWarning => Autogroup == true
        ? "kernel.sched_autogroup_enabled is 1 on L0: the scheduler shares the CPUs equally between sessions whatever their nice value, so 'nice' on other work does not shield the lab (sysctl -w kernel.sched_autogroup_enabled=0 would)"
        : null;

    /// <summary>/proc/loadavg now: the first three fields (1, 5, 15 minutes).</summary>
    public static string? LoadNow() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : null;

    public static L0Facts None { get; } = new(null, null, null, new Dictionary<string, string>());

    /// <summary>Asks git, uname, /proc/cpuinfo and each tool; what cannot be asked is left out, never guessed.</summary>
    public static async Task<L0Facts> GatherAsync(RepoPaths paths, CancellationToken cancellationToken)
    {
        var tools = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, command, args) in new[]
                 {
                     ("qemu", "qemu-system-aarch64", "--version"),
                     ("mmdebstrap", "mmdebstrap", "--version"),
                     ("cross gcc", "aarch64-linux-gnu-gcc", "--version"),
                     ("dotnet", "dotnet", "--version"),
                 })
        {
            if (await FirstLineAsync(command, [args], paths.Root, cancellationToken) is { } version)
            {
                tools[name] = version;
            }
        }

        var commit = await FirstLineAsync("git", ["describe", "--always", "--dirty", "--abbrev=12"], paths.Root, cancellationToken);
        var uname = await FirstLineAsync("uname", ["-srvmo"], paths.Root, cancellationToken);
        var cpu = File.Exists("/proc/cpuinfo")
            ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
            : null;
        return new L0Facts(commit, uname, cpu, tools)
        {
            Virtualization = await VirtualizationAsync(paths, cancellationToken),
            Thp = File.Exists(ThpPath) ? File.ReadAllText(ThpPath).Trim() : null,
            Load = LoadNow(),
            MachineId = ReadTrimmed("/etc/machine-id") is { Length: > 0 } id ? Hashing.Sha256OfText(id)[..16] : null,
            Autogroup = ReadTrimmed("/proc/sys/kernel/sched_autogroup_enabled") switch { "1" => true, "0" => false, _ => null },
        };
    }

    private static string? ReadTrimmed(string path)
    {
        try
        {
            return File.ReadAllText(path).Trim();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private const string ThpPath = "/sys/kernel/mm/transparent_hugepage/enabled";

    // A VM (or a container on one) shares its physical CPUs with others that VmLab cannot see: the reader must know.
    private static async Task<string?> VirtualizationAsync(RepoPaths paths, CancellationToken cancellationToken)
    {
        var parts = new List<string>();
        if (await FirstLineAsync("systemd-detect-virt", ["--vm"], paths.Root, cancellationToken) is { } vm)
        {
            parts.Add($"VM: {vm}");
        }

        if (await FirstLineAsync("systemd-detect-virt", ["--container"], paths.Root, cancellationToken) is { } container)
        {
            parts.Add($"container: {container}");
        }

        if (File.Exists("/proc/cpuinfo"))
        {
            var hypervisor = File.ReadLines("/proc/cpuinfo").Any(l => l.StartsWith("flags", StringComparison.Ordinal) && l.Split(' ').Contains("hypervisor"));
            parts.Add(hypervisor ? "the CPU reports the hypervisor flag: L0 is itself a virtual machine" : "no hypervisor flag on the CPU");
        }

        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    private static async Task<string?> FirstLineAsync(string command, string[] args, string directory, CancellationToken cancellationToken)
    {
        try
        {
            var result = await CliWrap.Buffered.BufferedCommandExtensions.ExecuteBufferedAsync(
                CliWrap.Cli.Wrap(command).WithArguments(args).WithWorkingDirectory(directory)
                    .WithValidation(CliWrap.CommandResultValidation.None),
                cancellationToken);
            var line = result.StandardOutput.Split('\n')[0].Trim();
            return result.ExitCode == 0 && line.Length > 0 ? line : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // not installed
        }
    }
}
