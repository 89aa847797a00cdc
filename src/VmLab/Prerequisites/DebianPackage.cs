namespace VmLab.Prerequisites;

/// <summary>A Debian package the pipeline needs on L0, and why.</summary>
/// <param name="Name">The package name as apt knows it.</param>
/// <param name="Why">What breaks without it, for the message a user sees.</param>
/// <param name="Component">The Debian archive component that holds it (<c>main</c> unless said).</param>
/// <param name="Optional">
/// The pipeline runs without it (it is a fallback): installed when the distribution's archive has it, else skipped
/// with a note (e.g. <c>linux-source-6.1</c> is Debian 12's; Ubuntu runners reach kernel.org instead).
/// </param>
public sealed record DebianPackage(string Name, string Why, string Component = "main", bool Optional = false)
{
    /// <summary>
    /// Everything L0 needs to run the whole pipeline. One list, so the Prerequisites target, the error
    /// messages of later stages and the README cannot disagree.
    /// </summary>
    public static IReadOnlyList<DebianPackage> Pipeline { get; } =
    [
        new("qemu-system-arm", "boots L1 (qemu-system-aarch64, TCG with virtualization=on)"),
        new("qemu-user-static", "runs arm64 binaries while building the root filesystems"),
        new("binfmt-support", "registers the qemu-aarch64 handler for foreign-architecture chroots"),
        new("arch-test", "lets mmdebstrap check that arm64 binaries can run here"),
        new("gcc-aarch64-linux-gnu", "cross-compiles the arm64 kernels"),
        new("make", "drives the kernel build"),
        new("gcc", "kernel build (host tools: kconfig, fixdep)"),
        new("libc6-dev", "kernel build (headers for the host tools; only a Recommends of gcc)"),
        new("flex", "kernel build (kconfig lexer)"),
        new("bison", "kernel build (kconfig parser)"),
        new("bc", "kernel build (timeconst)"),
        new("libssl-dev", "kernel build (certificate tools)"),
        new("libelf-dev", "kernel build (objtool / resolve_btfids when enabled)"),
        new("ccache", "makes the second kernel build cheap"),
        new("xz-utils", "unpacks the kernel tarball"),
        new("mmdebstrap", "builds the arm64 Debian root filesystems and L0's client root (netperf, ab)"),
        new("iproute2", "creates the lab's network namespace and the tap that is L1's NIC (ip netns, ip tuntap)"),
        new("e2fsprogs", "turns the root filesystems into ext4 images (mkfs.ext4 -d)"),
        new("ipxe-qemu", "option ROMs for QEMU's virtio-net-pci"),
        new("debian-archive-keyring", "lets mmdebstrap verify Debian's archive (already there on Debian; needed on Ubuntu)"),
        new("fonts-dejavu-core", "the font the report's SVG charts are measured and drawn with"),
        new("linux-source-6.1", "offline fallback kernel source when kernel.org cannot be reached", Optional: true),
        new("stress-ng", "a known CPU load on L0 for the noise checks' evidence run (lab/disturb.sh)", Optional: true),
    ];

    /// <summary>
    /// Not the pipeline's: what the independent cross-checks of the statistics run with (tests/VmLab.Tests/Statistics/*.py,
    /// fixtures/precision/pilot.py), for a developer who regenerates their recorded outputs. <c>vmlab prerequisites
    /// --cross-checks</c> (<c>./build.sh --target=Prerequisites --cross-checks</c>) installs them with the pipeline's.
    /// </summary>
    public static IReadOnlyList<DebianPackage> CrossChecks { get; } =
    [
        new("python3-numpy", "the statistics' independent cross-checks (arrays)"),
        new("python3-pandas", "the same cross-checks' data frames (blocks_check.py's model formulas)"),
        new("python3-scipy", "the same cross-checks' t tests, t quantiles and distributions"),
        new("python3-statsmodels", "the same cross-checks' OLS and mixed models (blocks_check.py, pilot.py)"),
    ];
}
