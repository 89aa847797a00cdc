using VmLab.Common;
using VmLab.Lab.Artifacts;

namespace VmLab.Tests.Lab;

public sealed class LabArtifactsTests
{
    private static RepoPaths EmptyArtifacts() =>
        new("/nonexistent-repo") { Artifacts = Directory.CreateTempSubdirectory("vmlab-artifacts-").FullName };

    private static void Touch(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, path);
    }

    [Fact]
    public void Images_with_their_own_keys_in_separate_folders_are_found_as_well_as_a_shared_folder()
    {
        var paths = EmptyArtifacts();
        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "host", "Image"));
        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "guest", "Image"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "images", "host", "h1", "host.img"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "images", "guest", "g1", "guest.img"));

        var found = LabArtifacts.Locate(paths, kernbenchSource: "none");

        Assert.EndsWith("kernel/k1/host/Image", found.HostKernel);
        Assert.EndsWith("images/host/h1/host.img", found.HostImage);
        Assert.EndsWith("images/guest/g1/guest.img", found.GuestImage);
        Assert.Null(found.KernbenchSource);
    }

    [Fact]
    public void Missing_artifacts_name_the_target_that_builds_them()
    {
        var paths = EmptyArtifacts();

        Assert.Contains("--target=Kernel", Assert.Throws<LabException>(() => LabArtifacts.Locate(paths)).Next);

        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "host", "Image"));
        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "guest", "Image"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "images", "guest", "g1", "guest.img"));
        var error = Assert.Throws<LabException>(() => LabArtifacts.Locate(paths));
        Assert.Contains("host.img", error.Message);
        Assert.Contains("--target=Rootfs", error.Next);
    }

    [Fact]
    public void An_image_build_in_progress_is_not_picked()
    {
        var paths = EmptyArtifacts();
        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "host", "Image"));
        Touch(Path.Combine(paths.Artifacts, "kernel", "k1", "guest", "Image"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "k1", "host.img"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "k1", "guest.img"));
        // A rootfs build under way: newer half-written images in its work folder (whose trees also hold a mounted /proc,
        // which a recursive search walked into: "Access to the path …/tree/proc/1/map_files is denied", seen here).
        Touch(Path.Combine(paths.Artifacts, "rootfs", "work", "k2", "host.img"));
        Touch(Path.Combine(paths.Artifacts, "rootfs", "work", "k2", "guest.img"));

        var found = LabArtifacts.Locate(paths, kernbenchSource: "none");

        Assert.EndsWith("rootfs/k1/host.img", found.HostImage);
        Assert.EndsWith("rootfs/k1/guest.img", found.GuestImage);
    }
}
