using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Lab.Network;

/// <summary>iproute2's <c>ip</c>, as the lab's network namespace runs it: a missing tool or a failure is a <see cref="LabException"/>.</summary>
internal static class IpCommand
{
    public static async Task<string> RunAsync(string[] arguments, CancellationToken cancellationToken, bool validate = true)
    {
        BufferedCommandResult result;
        try
        {
            result = await Cli.Wrap("ip").WithArguments(arguments)
                .WithValidation(CommandResultValidation.None)
                .ExecuteBufferedAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException(
                $"Cannot run 'ip' ({ex.Message}); the lab's network namespace needs iproute2.",
                "run ./build.sh --target=Prerequisites (or apt-get install iproute2)", ex);
        }

        if (validate && result.ExitCode != 0)
        {
            throw new LabException(
                $"ip {string.Join(' ', arguments)} failed (exit code {result.ExitCode}): {(result.StandardError + result.StandardOutput).Trim()}",
                "check that this kernel has network namespaces and tun (ls /dev/net/tun), then run the lab again");
        }

        return result.StandardOutput;
    }
}
