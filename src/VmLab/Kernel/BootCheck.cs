using System.Text;
using CliWrap;

namespace VmLab.Kernel;

/// <summary>
/// What a host kernel's first seconds under QEMU/TCG (<c>virtualization=on</c>, no root file system) prove:
/// that the CPUs came up at EL2 and KVM initialised its hypervisor mode, i.e. the Image can be L1's KVM host.
/// </summary>
/// <param name="Banner">The "Linux version …" line.</param>
/// <param name="StartedAtEl2">"CPU: All CPU(s) started at EL2" was printed.</param>
/// <param name="HypModeInitialized">"kvm [1]: Hyp mode initialized successfully" (or the VHE variant) was printed.</param>
/// <param name="ReachedRootMount">The boot got as far as looking for a root file system (the expected end without one).</param>
public sealed record BootEvidence(string? Banner, bool StartedAtEl2, bool HypModeInitialized, bool ReachedRootMount)
{
    /// <summary>True when the kernel can host KVM guests.</summary>
    public bool CanHostKvm => StartedAtEl2 && HypModeInitialized;

    /// <summary>Reads a console log.</summary>
    public static BootEvidence Scan(string console)
    {
        string? banner = null;
        bool el2 = false, hyp = false, root = false;
        foreach (var line in console.Split('\n'))
        {
            banner ??= line.Contains("Linux version ", StringComparison.Ordinal) ? line[line.IndexOf("Linux version ", StringComparison.Ordinal)..].TrimEnd('\r') : null;
            el2 |= line.Contains("CPU: All CPU(s) started at EL2", StringComparison.Ordinal);
            hyp |= line.Contains("kvm [1]: Hyp mode initialized successfully", StringComparison.Ordinal)
                   || line.Contains("kvm [1]: VHE mode initialized successfully", StringComparison.Ordinal);
            root |= line.Contains("VFS: Unable to mount root fs", StringComparison.Ordinal)
                    || line.Contains("Kernel panic - not syncing", StringComparison.Ordinal);
        }

        return new BootEvidence(banner, el2, hyp, root);
    }

    /// <summary>
    /// The QEMU command of the check: the study's L0 machine (<c>virt,gic-version=2,virtualization=on</c>, cortex-a57),
    /// no disk; <c>panic=-1</c> + <c>-no-reboot</c> make QEMU exit when the kernel panics on the missing root.
    /// </summary>
    public static Command Qemu(string image) =>
        Cli.Wrap("qemu-system-aarch64").WithArguments(
        [
            "-machine", "virt,gic-version=2,virtualization=on", "-cpu", "cortex-a57", "-smp", "2", "-m", "512",
            "-nographic", "-kernel", image, "-append", "console=ttyAMA0 panic=-1", "-no-reboot",
        ]);

    /// <summary>Boots <paramref name="image"/>, writes the console to <paramref name="logPath"/>, and scans it.</summary>
    /// <param name="timeout">QEMU is killed after this (TCG on a busy machine can be slow); what was printed is kept.</param>
    public static async Task<BootEvidence> RunAsync(string image, string logPath, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var console = new StringBuilder();
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await Qemu(image)
                .WithStandardOutputPipe(PipeTarget.ToStringBuilder(console))
                .WithStandardErrorPipe(PipeTarget.ToStringBuilder(console))
                .WithValidation(CommandResultValidation.None)
                .ExecuteAsync(limit.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            console.Append($"\n[vmlab: QEMU killed after {timeout.TotalSeconds:F0} s]\n");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new Common.LabException($"qemu-system-aarch64 cannot be started ({ex.Message}).", "run ./build.sh --target=Prerequisites", ex);
        }

        Common.AtomicFile.WriteAllText(logPath, console.ToString());
        return Scan(console.ToString());
    }
}
