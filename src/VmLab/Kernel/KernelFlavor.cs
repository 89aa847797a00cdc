namespace VmLab.Kernel;

/// <summary>Which of the study's two kernels: L1's KVM host (VHOST_NET on) or L2's guest (VHOST_NET off).</summary>
public enum KernelFlavor
{
    Host,
    Guest,
}

/// <summary>The config the fragments are merged onto.</summary>
public enum KernelBase
{
    /// <summary><c>make allnoconfig</c>: only what <c>lab.config</c> asks for (small, fast, the default).</summary>
    Allnoconfig,

    /// <summary><c>make defconfig</c>: arm64's distribution-like default plus the same fragments.</summary>
    Defconfig,
}

public static class KernelNames
{
    public static string Name(this KernelFlavor flavor) => flavor == KernelFlavor.Host ? "host" : "guest";

    public static string MakeTarget(this KernelBase @base) => @base == KernelBase.Defconfig ? "defconfig" : "allnoconfig";
}
