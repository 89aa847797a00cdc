using System.Collections.Immutable;
using CliWrap;
using VmLab.Common;

namespace VmLab.Kernel;

/// <summary>
/// One kernel <c>make</c> invocation, immutable: build it, print it (metadata.json's "reproduce" and the logs show
/// exactly this text), test it as a string, run it with CliWrap. Variables go on the make command line (they
/// override the Makefile); the environment carries the reproducibility settings kbuild reads from it.
/// </summary>
public sealed record MakeCommand
{
    public MakeCommand(string sourceDir, string outputDir)
    {
        SourceDir = sourceDir;
        OutputDir = outputDir;
    }

    /// <summary>The kernel tree (the working directory).</summary>
    public string SourceDir { get; init; }

    /// <summary><c>O=</c>: where objects and .config go. Relative to <see cref="SourceDir"/> keeps paths out of the build.</summary>
    public string OutputDir { get; init; }

    public ImmutableArray<string> Targets { get; init; } = [];

    public ImmutableSortedDictionary<string, string> Variables { get; init; } =
        ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    public ImmutableSortedDictionary<string, string> Environment { get; init; } =
        ImmutableSortedDictionary<string, string>.Empty.WithComparers(StringComparer.Ordinal);

    /// <summary><c>-j</c>; null leaves make serial (configuration targets do not need more).</summary>
    public int? Jobs { get; init; }

    /// <summary>The arm64 cross build used for both kernels: <c>ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu-</c>, ccache when wanted.</summary>
    public static MakeCommand Arm64(string sourceDir, string outputDir, bool ccache, IReadOnlyDictionary<string, string> environment)
    {
        var command = new MakeCommand(sourceDir, outputDir)
            .WithVariable("ARCH", "arm64")
            .WithVariable("CROSS_COMPILE", Toolchain.CrossPrefix);
        command = command with { Environment = command.Environment.SetItems(environment) };
        // CC, not CROSS_COMPILE: ccache must wrap the compiler only, never ld/objcopy.
        return ccache ? command.WithVariable("CC", $"ccache {Toolchain.CrossPrefix}gcc") : command;
    }

    public MakeCommand WithVariable(string name, string value) => this with { Variables = Variables.SetItem(name, value) };

    public MakeCommand WithTargets(params string[] targets) => this with { Targets = [.. targets] };

    public MakeCommand WithJobs(int? jobs) => this with { Jobs = jobs };

    /// <summary>The make arguments, in a fixed order.</summary>
    public IReadOnlyList<string> Arguments =>
    [
        $"O={OutputDir}",
        .. Variables.Select(v => $"{v.Key}={v.Value}"),
        .. Jobs is { } j ? new[] { $"-j{j}" } : [],
        .. Targets,
    ];

    /// <summary>A shell line that reproduces this invocation from the source directory.</summary>
    public override string ToString() =>
        string.Join(' ', Environment.Select(e => $"{e.Key}={ShellWord.Quote(e.Value)}").Append("make").Concat(Arguments.Select(ShellWord.Quote)));

    /// <summary>The CliWrap command (working directory = the source tree; the extra environment added to ours).</summary>
    public Command ToCommand() =>
        Cli.Wrap("make")
            .WithArguments(Arguments)
            .WithWorkingDirectory(SourceDir)
            .WithEnvironmentVariables(Environment.ToDictionary(e => e.Key, e => (string?)e.Value));

}
