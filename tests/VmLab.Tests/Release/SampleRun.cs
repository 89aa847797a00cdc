using System.Text;
using System.Text.Json.Nodes;

namespace VmLab.Tests.Release;

/// <summary>
/// A small but real run directory and artifact cache, written by the test in the layout docs/CONTRACTS.md
/// defines: manifest.json, REPORT.md with summary markers, results.json, raw/ logs, kernel/ configs, and
/// (optionally) artifacts/kernel/&lt;key&gt;/ with the Images and metadata.json the release publishes.
/// </summary>
internal sealed class SampleRun : IDisposable
{
    public const string KernelKey = "3f9c0a1b2c3d4e5f";
    public const string Summary = """
        ## Summary

        | question | verdict |
        |---|---|
        | Q1 SMP vs UP | SMP faster (p = 0.003) |
        | Q3 vhost vs no vhost | vhost faster (p < 0.001) |
        """;

    private SampleRun(string root, string runDirectory, string artifacts) => (Root, RunDirectory, Artifacts) = (root, runDirectory, artifacts);

    public string Root { get; }
    public string RunDirectory { get; }
    public string Artifacts { get; }

    /// <param name="kernel">Whether the manifest names a kernel artifact.</param>
    /// <param name="kernelArtifacts">Whether that artifact's files exist in the cache.</param>
    public static SampleRun Create(bool kernel = true, bool kernelArtifacts = true, string runId = "2026-11-25-quick")
    {
        var root = Directory.CreateTempSubdirectory("vmlab-release-").FullName;
        var run = Path.Combine(root, "results", runId);
        var artifacts = Path.Combine(root, "artifacts");
        var sample = new SampleRun(root, run, artifacts);

        var manifest = new JsonObject
        {
            ["profile"] = "quick",
            ["scenarios"] = new JsonArray("baseline", "guest-up"),
            ["kernel"] = kernel ? new JsonObject { ["key"] = KernelKey, ["version"] = "5.15.170" } : null,
        };
        sample.Write("manifest.json", manifest.ToJsonString());
        sample.WriteReport("first rendering");
        sample.Write("results.json", """{"metrics":[{"scenario":"baseline","suite":"hackbench","repeat":1,"seconds":120.622}]}""");
        sample.Write("raw/baseline/hackbench/1.txt", "Running with 50*40 (== 2000) tasks.\nTime: 120.622\n");
        sample.Write("raw/guest-up/hackbench/1.txt", "Running with 50*40 (== 2000) tasks.\nTime: 181.004\n");
        sample.Write("raw/baseline/console-1.log", "[    0.000000] Booting Linux on physical CPU 0x0\n");
        if (kernel)
        {
            sample.Write("kernel/host.config", "CONFIG_KVM=y\nCONFIG_VHOST_NET=y\n");
            sample.Write("kernel/guest.config", "CONFIG_KVM=y\n# CONFIG_VHOST_NET is not set\n");
            sample.Write("kernel/config.diff", "-CONFIG_VHOST_NET=y\n+# CONFIG_VHOST_NET is not set\n");
        }

        if (kernel && kernelArtifacts)
        {
            var k = Path.Combine(artifacts, "kernel", KernelKey);
            foreach (var layer in new[] { "host", "guest" })
            {
                WriteFile(Path.Combine(k, layer, "Image"), Encoding.ASCII.GetBytes($"ARM64 kernel Image for the {layer} " + new string('x', 4096)));
                WriteFile(Path.Combine(k, layer, ".config"), Encoding.ASCII.GetBytes($"CONFIG_KVM=y # {layer}\n"));
                WriteFile(Path.Combine(k, layer, "metadata.json"), Encoding.ASCII.GetBytes($$"""{"layer":"{{layer}}","key":"{{KernelKey}}"}"""));
            }

            WriteFile(Path.Combine(k, "config.diff"), Encoding.ASCII.GetBytes("-CONFIG_VHOST_NET=y\n"));
        }

        return sample;
    }

    /// <summary>Rewrites REPORT.md (a re-rendered report), <paramref name="note"/> making the content differ.</summary>
    public void WriteReport(string note) => Write("REPORT.md", $"""
        # VmLab report ({note})

        <!-- vmlab:summary:start -->
        {Summary}
        <!-- vmlab:summary:end -->

        ## Q1 SMP vs UP

        Details that stay in the full report.
        """);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A temporary directory left behind is not worth failing a test over.
        }
    }

    public string PathOf(string relative) => Path.Combine(RunDirectory, relative);

    public string KernelArtifact(string relative) => Path.Combine(Artifacts, "kernel", KernelKey, relative);

    public void Write(string relative, string content) => WriteFile(PathOf(relative), Encoding.UTF8.GetBytes(content));

    private static void WriteFile(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
    }
}
