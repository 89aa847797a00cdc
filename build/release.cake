// The Release target's arguments, read once. Spelling note: Cake itself owns `--dryrun` (a dry run of the
// task graph that executes nothing), so the documented `--dry-run` is a script argument read here and passed
// to `vmlab release --dry-run`, which builds the assets and prints what would be published.
public sealed record ReleaseArguments(string Run, string Tag, string Repository, string ApiUrl, bool DryRun)
{
    public static ReleaseArguments From(ICakeContext context)
    {
        var run = context.Argument("run", "");
        if (string.IsNullOrWhiteSpace(run))
        {
            throw new CakeException("Release needs the run to publish: ./build.sh --target=Release --run=results/<run-id> [--dry-run] [--tag=vX] [--github-api-url=URL]");
        }

        // `--dry-run` alone reaches Cake as an argument without a value; `--dry-run=false` turns it off.
        var dryRun = context.HasArgument("dry-run") && !string.Equals(context.Argument("dry-run", "true"), "false", StringComparison.OrdinalIgnoreCase);
        return new ReleaseArguments(run, context.Argument("tag", ""), context.Argument("repository", ""), context.Argument("github-api-url", ""), dryRun);
    }

    /// <summary>The `vmlab release` command line. The token is not on it: vmlab reads GITHUB_TOKEN from the environment.</summary>
    public string[] ToVmlabArguments()
    {
        var args = new List<string> { "release", "--run", Run };
        if (Tag.Length > 0) { args.AddRange(new[] { "--tag", Tag }); }
        if (Repository.Length > 0) { args.AddRange(new[] { "--repository", Repository }); }
        if (ApiUrl.Length > 0) { args.AddRange(new[] { "--github-api-url", ApiUrl }); }
        if (DryRun) { args.Add("--dry-run"); }
        return args.ToArray();
    }
}
