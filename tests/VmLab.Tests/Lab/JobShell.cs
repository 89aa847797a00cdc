using System.Reflection;
using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Tests.Lab;

/// <summary>Runs the real job library (protocol.sh + src/VmLab/Lab/Vm/job-lib.sh, as the lab writes lib.sh) under this machine's /bin/sh.</summary>
internal static class JobShell
{
    public static string Library() => VmLab.Lab.Vm.JobScript.Library;

    /// <summary>Writes the library to a temp folder and runs <paramref name="script"/> after sourcing it; returns stdout.</summary>
    public static async Task<string> RunAsync(string script, string? folder = null, string? input = null)
    {
        folder ??= Directory.CreateTempSubdirectory("vmlab-job-").FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "lib.sh"), Library());
        await File.WriteAllTextAsync(Path.Combine(folder, "lib.bash"), VmLab.Lab.Vm.JobScript.BashLibrary);
        var result = await Cli.Wrap("/bin/sh")
            .WithArguments(["-c", ". ./lib.sh\n" + script])
            .WithWorkingDirectory(folder)
            .WithStandardInputPipe(input is null ? PipeSource.Null : PipeSource.FromString(input))
            .WithValidation(CommandResultValidation.None)
            .ExecuteBufferedAsync(TestContext.Current.CancellationToken);
        return result.StandardOutput;
    }
}
