using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Prerequisites;

/// <summary>
/// Checks which of <see cref="DebianPackage.Pipeline"/> are missing and installs them with apt-get
/// when this process may (root, or password-less sudo); otherwise says the exact command to run.
/// </summary>
public sealed class PrerequisiteInstaller(TextWriter log)
{
    /// <summary>Where the non-free component is enabled (netperf lives there; the rootfs recipes need it too).</summary>
    public const string NonFreeSourcesFile = "/etc/apt/sources.list.d/vmlab-non-free.sources";

    /// <summary>The packages of <paramref name="wanted"/> that dpkg does not report as installed.</summary>
    public static async Task<IReadOnlyList<DebianPackage>> MissingAsync(
        IEnumerable<DebianPackage> wanted, CancellationToken cancellationToken = default)
    {
        var packages = wanted.ToList();
        // dpkg-query exits 1 when any name is unknown; its per-package lines are what we read.
        var result = await Cli.Wrap("dpkg-query")
            .WithArguments(["-W", "-f=${Package} ${db:Status-Abbrev}\n", .. packages.Select(p => p.Name)])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        var installed = result.StandardOutput
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ', 2))
            .Where(parts => parts.Length == 2 && parts[1].StartsWith("ii", StringComparison.Ordinal))
            .Select(parts => parts[0])
            .ToHashSet(StringComparer.Ordinal);
        return packages.Where(p => !installed.Contains(p.Name)).ToList();
    }

    /// <summary>The command a user without privileges should run.</summary>
    public static string ManualCommand(IEnumerable<DebianPackage> missing) =>
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends " +
        string.Join(' ', missing.Select(p => p.Name));

    /// <summary>Installs whatever is missing. Returns false (after printing what to do) when it may not.</summary>
    public async Task<bool> EnsureAsync(IEnumerable<DebianPackage> wanted, CancellationToken cancellationToken = default)
    {
        var list = wanted.ToList();
        var missing = await MissingAsync(list, cancellationToken);
        if (missing.Count == 0)
        {
            log.WriteLine($"Prerequisites: all {list.Count} Debian packages asked for are installed.");
            return true;
        }

        foreach (var p in missing)
        {
            log.WriteLine($"  missing: {p.Name} — {p.Why}");
        }

        var prefix = await PrivilegePrefixAsync(cancellationToken);
        if (prefix is null)
        {
            log.WriteLine("Not root and no password-less sudo: install them yourself, then run this target again:");
            log.WriteLine("  " + ManualCommand(missing));
            return false;
        }

        if (missing.Any(p => p.Component == "non-free"))
        {
            await EnableNonFreeAsync(prefix, cancellationToken);
        }

        await RunAsync(prefix, ["apt-get", "update", "-q"], cancellationToken);
        var skipped = new List<DebianPackage>();
        foreach (var optional in missing.Where(p => p.Optional))
        {
            if (!await HasCandidateAsync(optional.Name, cancellationToken))
            {
                log.WriteLine($"  skipped: {optional.Name} is not in this distribution's archive; it is optional ({optional.Why}).");
                skipped.Add(optional);
            }
        }

        missing = missing.Except(skipped).ToList();
        if (missing.Count == 0)
        {
            return true;
        }

        await RunAsync(prefix, ["apt-get", "install", "-y", "-q", "--no-install-recommends", .. missing.Select(p => p.Name)], cancellationToken);
        var still = await MissingAsync(missing, cancellationToken);
        if (still.Count > 0)
        {
            log.WriteLine("apt-get finished but these are still not installed: " + string.Join(", ", still.Select(p => p.Name)));
            return false;
        }

        log.WriteLine($"Prerequisites: installed {missing.Count} package(s).");
        return true;
    }

    /// <summary>Whether apt can install <paramref name="name"/> here (apt-cache policy names a candidate).</summary>
    public static async Task<bool> HasCandidateAsync(string name, CancellationToken cancellationToken = default)
    {
        var policy = await Cli.Wrap("apt-cache").WithArguments(["policy", name])
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(cancellationToken);
        return policy.StandardOutput.Split('\n').Select(l => l.Trim())
            .Any(l => l.StartsWith("Candidate:", StringComparison.Ordinal) && l != "Candidate: (none)");
    }

    private async Task EnableNonFreeAsync(string[] prefix, CancellationToken cancellationToken)
    {
        if (File.Exists(NonFreeSourcesFile))
        {
            return;
        }

        var suite = await ReadSuiteAsync(cancellationToken);
        var text = $"""
            # Added by VmLab's Prerequisites: Debian's non-free component holds netperf.
            Types: deb
            URIs: http://deb.debian.org/debian
            Suites: {suite}
            Components: non-free
            Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

            """;
        var temp = Path.GetTempFileName();
        await File.WriteAllTextAsync(temp, text, cancellationToken);
        await RunAsync(prefix, ["install", "-m", "0644", temp, NonFreeSourcesFile], cancellationToken);
        File.Delete(temp);
        log.WriteLine($"Enabled Debian non-free in {NonFreeSourcesFile}.");
    }

    private static async Task<string> ReadSuiteAsync(CancellationToken cancellationToken)
    {
        foreach (var line in await File.ReadAllLinesAsync("/etc/os-release", cancellationToken))
        {
            if (line.StartsWith("VERSION_CODENAME=", StringComparison.Ordinal))
            {
                return line["VERSION_CODENAME=".Length..].Trim('"');
            }
        }

        return "bookworm";
    }

    /// <summary>[] when root, ["sudo", "-n"] when password-less sudo works, null otherwise.</summary>
    private static async Task<string[]?> PrivilegePrefixAsync(CancellationToken cancellationToken)
    {
        if (Environment.IsPrivilegedProcess)
        {
            return [];
        }

        try
        {
            var probe = await Cli.Wrap("sudo").WithArguments(["-n", "true"])
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
            return probe.ExitCode == 0 ? ["sudo", "-n"] : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // no sudo binary
        }
    }

    private async Task RunAsync(string[] prefix, string[] command, CancellationToken cancellationToken)
    {
        string[] full = [.. prefix, .. command];
        log.WriteLine("$ " + string.Join(' ', full));
        await Cli.Wrap(full[0])
            .WithArguments(full[1..])
            .WithEnvironmentVariables(e => e.Set("DEBIAN_FRONTEND", "noninteractive"))
            .WithStandardOutputPipe(PipeTarget.ToDelegate(line => log.WriteLine("  " + line)))
            .WithStandardErrorPipe(PipeTarget.ToDelegate(line => log.WriteLine("  " + line)))
            .ExecuteAsync(cancellationToken);
    }
}
