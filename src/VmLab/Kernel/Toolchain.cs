using CliWrap;
using CliWrap.Buffered;
using VmLab.Common;

namespace VmLab.Kernel;

/// <summary>The versions of the tools that shape the Image (part of the cache key and metadata.json).</summary>
public sealed record Toolchain(string Gcc, string Binutils, string Make, string? Ccache)
{
    public const string CrossPrefix = "aarch64-linux-gnu-";

    public static async Task<Toolchain> ProbeAsync(CancellationToken cancellationToken)
    {
        var gcc = await FirstLineAsync($"{CrossPrefix}gcc", "gcc-aarch64-linux-gnu", cancellationToken);
        var ld = await FirstLineAsync($"{CrossPrefix}ld", "binutils-aarch64-linux-gnu", cancellationToken);
        var make = await FirstLineAsync("make", "make", cancellationToken);
        string? ccache = null;
        try
        {
            ccache = await FirstLineAsync("ccache", "ccache", cancellationToken);
        }
        catch (LabException)
        {
            // ccache only makes the second kernel cheaper; its absence is not an error.
        }

        return new Toolchain(gcc, ld, make, ccache);
    }

    private static async Task<string> FirstLineAsync(string tool, string package, CancellationToken cancellationToken)
    {
        try
        {
            var result = await Cli.Wrap(tool).WithArguments("--version").ExecuteBufferedAsync(cancellationToken);
            return result.StandardOutput.Split('\n')[0].Trim();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LabException($"{tool} is not installed (Debian package {package}); the kernel cannot be built without it.",
                "run ./build.sh --target=Prerequisites", ex);
        }
    }
}
