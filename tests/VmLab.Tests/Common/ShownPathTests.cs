using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Results;

namespace VmLab.Tests.Common;

/// <summary>
/// Issue 26, item 21: what a run records names this machine's files relative to the repository or the artifact cache,
/// so two machines write the same text for the same run; paths inside the VMs and URLs stay as they are.
/// </summary>
public sealed class ShownPathTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("vmlab-shown-").FullName;

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    [Fact]
    public void A_qemu_command_line_names_the_artifacts_relatively_and_keeps_the_paths_inside_the_vm()
    {
        var paths = new RepoPaths(Path.Combine(_temp, "repo"));
        var root = paths.Root;

        var shown = paths.ShownIn($"qemu-system-aarch64 -kernel {root}/artifacts/kernel/k1/host/Image -append \"root=/dev/vda\" " +
                                  $"-drive file={root}/artifacts/rootfs/r1/host.img,if=virtio,format=raw -drive file=/payload/guest.img,if=virtio");

        Assert.Equal("qemu-system-aarch64 -kernel artifacts/kernel/k1/host/Image -append \"root=/dev/vda\" " +
                     "-drive file=artifacts/rootfs/r1/host.img,if=virtio,format=raw -drive file=/payload/guest.img,if=virtio", shown);
    }

    [Fact]
    public void A_moved_artifact_cache_is_still_written_artifacts_and_a_run_directory_relative_to_the_repository()
    {
        var paths = new RepoPaths(Path.Combine(_temp, "repo")) { Artifacts = Path.Combine(_temp, "big-disk", "cache") };

        Assert.Equal("artifacts/client/c1/root", paths.Shown(Path.Combine(_temp, "big-disk", "cache", "client", "c1", "root")));
        Assert.Equal("results/2026-11-29T1036Z-smoke", paths.Shown(Path.Combine(_temp, "repo", "results", "2026-11-29T1036Z-smoke")));
    }

    [Fact]
    public void A_fallback_recorded_with_an_absolute_path_by_an_older_build_reaches_the_manifest_relative_to_the_repository()
    {
        var paths = new RepoPaths(Path.Combine(_temp, "repo"));
        var copy = Path.Combine(_temp, "shared", "third_party", "byte-unixbench-5.1.3.tar.gz");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.WriteAllBytes(copy, [1]);
        var provenance = ArtifactProvenance.None with
        {
            Sources = [new SourceRecord("UnixBench 5.1.3", "", "3e1c", $"substituted: the declared local copy {copy} instead of byte-unixbench-5.1.3.tar.gz; tried first: https://github.com/kdlucas/byte-unixbench/archive/v5.1.3.tar.gz: Name or service not known")],
        };

        var shown = provenance.ShownBy(paths).Sources.Single();

        Assert.Equal("substituted: the declared local copy ../shared/third_party/byte-unixbench-5.1.3.tar.gz instead of byte-unixbench-5.1.3.tar.gz; tried first: https://github.com/kdlucas/byte-unixbench/archive/v5.1.3.tar.gz: Name or service not known", shown.Fallback);
    }
}
