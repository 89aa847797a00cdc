using CliWrap;
using CliWrap.Buffered;

namespace VmLab.Tests;

/// <summary>The real <c>vmlab</c> executable, built beside the tests, run as a user would (exit code and both streams kept).</summary>
internal static class VmlabCli
{
    /// <summary><c>dotnet VmLab.Cli.dll args…</c>, not validated; add a working directory or environment before running.</summary>
    public static Command Command(params string[] args) =>
        Cli.Wrap("dotnet")
            .WithArguments([Path.Combine(AppContext.BaseDirectory, "VmLab.Cli.dll"), .. args])
            .WithValidation(CommandResultValidation.None);

    /// <summary>Runs <paramref name="args"/> and waits for it.</summary>
    public static async Task<BufferedCommandResult> RunAsync(params string[] args) =>
        await Command(args).ExecuteBufferedAsync(TestContext.Current.CancellationToken);
}
