// Runs the `vmlab` CLI built by the Build task. Tasks decide whether and when; vmlab does the work.
public static void Vmlab(this ICakeContext context, BuildContext data, params string[] arguments)
{
    var args = new ProcessArgumentBuilder().Append(data.CliDll.FullPath.Quote());
    foreach (var a in arguments)
    {
        args.Append(a.Quote());
    }

    var exitCode = context.StartProcess("dotnet", new ProcessSettings
    {
        Arguments = args,
        WorkingDirectory = data.Root,
    });
    if (exitCode != 0)
    {
        throw new CakeException(exitCode, $"vmlab {string.Join(' ', arguments)} failed with exit code {exitCode} (its message is above).");
    }
}
