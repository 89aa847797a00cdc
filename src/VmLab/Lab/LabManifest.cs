using System.Text.Json;
using System.Text.Json.Nodes;
using VmLab.Common;

namespace VmLab.Lab;

/// <summary>
/// The lab's part of <c>manifest.json</c> (docs/CONTRACTS.md): profile, topology and the vCPU rule, whether the run is
/// overcommitted, the artifacts booted (with sha256s), the QEMU version, and each boot's layer facts. It is merged
/// into the file, keeping every key other stages wrote, and written atomically.
/// </summary>
public static class LabManifest
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Merges the lab's keys into <c>manifest.json</c> of <paramref name="runDirectory"/>.</summary>
    public static async Task RecordAsync(string runDirectory, RunPlan plan, LabArtifacts? artifacts, RunLedger ledger, string? qemuVersion, CancellationToken cancellationToken)
    {
        var path = Path.Combine(runDirectory, "manifest.json");
        var manifest = File.Exists(path)
            ? JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken))?.AsObject() ?? []
            : [];
        var t = plan.Topology;
        manifest["runId"] = ledger.RunId;
        manifest["profile"] = plan.Profile.Name;
        manifest["scenarios"] = new JsonArray([.. plan.Scenarios.Select(s => JsonValue.Create(s.Id))]);
        manifest["overcommitted"] = t.Overcommitted;
        manifest["vcpuRule"] = new JsonObject
        {
            ["met"] = !t.Overcommitted,
            ["text"] = t.RuleText,
            ["violations"] = new JsonArray([.. t.Violations.Select(v => JsonValue.Create(v))]),
        };
        manifest["lab"] = new JsonObject
        {
            ["topology"] = JsonSerializer.SerializeToNode(new
            {
                l0 = new { cpus = t.L0.Cpus, memoryMiB = t.L0.MemoryMiB },
                l1 = new { cpus = t.L1Cpus, memoryMiB = t.L1MemoryMiB, accelerator = "tcg", machine = "virt,gic-version=2,virtualization=on", cpu = "cortex-a57" },
                l2 = new { smpCpus = t.L2SmpCpus, upCpus = t.L2UpCpus, memoryMiB = t.L2MemoryMiB, accelerator = "kvm", cpu = "host" },
            }, Options),
            ["profileSettings"] = JsonSerializer.SerializeToNode(plan.Profile, Options),
            ["qemu"] = qemuVersion,
            ["artifacts"] = artifacts is null ? null : JsonSerializer.SerializeToNode(new
            {
                hostKernel = new { path = artifacts.HostKernel, sha256 = Hashing.Sha256OfFile(artifacts.HostKernel) },
                guestKernel = new { path = artifacts.GuestKernel, sha256 = Hashing.Sha256OfFile(artifacts.GuestKernel) },
                hostImage = new { path = artifacts.HostImage },
                guestImage = new { path = artifacts.GuestImage },
                kernbenchSource = artifacts.KernbenchSource,
            }, Options),
            ["boots"] = JsonSerializer.SerializeToNode(ledger.Boots, Options),
        };
        await AtomicFile.WriteAllTextAsync(path, manifest.ToJsonString(Options) + "\n", cancellationToken);
    }
}
