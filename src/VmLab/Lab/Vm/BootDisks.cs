namespace VmLab.Lab.Vm;

/// <summary>The disks of one boot: its job disk and two empty scratch disks, in a per-boot work folder.</summary>
internal sealed record BootDisks(string Job, string L1Scratch, string L2Scratch)
{
    private const long ScratchBytes = 16L << 30;

    public static async Task<BootDisks> BuildAsync(string work, JobFolder job, CancellationToken cancellationToken)
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true); // a boot number is never reused, so this is an interrupted earlier attempt
        }

        var log = Path.Combine(work, "disks.log");
        var disks = new BootDisks(Path.Combine(work, "job.img"), Path.Combine(work, "scratch-l1.img"), Path.Combine(work, "scratch-l2.img"));
        await JobDisk.BuildAsync(job, Path.Combine(work, "job"), disks.Job, log, cancellationToken);
        await Ext4Image.BuildAsync(null, disks.L1Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);
        await Ext4Image.BuildAsync(null, disks.L2Scratch, Ext4Image.ScratchLabel, ScratchBytes, log, cancellationToken);
        return disks;
    }

    /// <summary>The disks are per boot and big (sparse, but still): only the job folder, a few KB, is worth keeping.</summary>
    public void Delete()
    {
        foreach (var image in new[] { Job, L1Scratch, L2Scratch })
        {
            File.Delete(image);
        }
    }
}
