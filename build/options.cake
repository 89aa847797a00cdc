// The options each target understands. Setup refuses any other --name (a typo such as --profle would otherwise be
// ignored and the default run), listing the known ones. A target understands its own options and those of every
// task it runs.
public static class BuildOptions
{
    // Cake's own options and configuration overrides (https://cakebuild.net/docs/running-builds/configuration/).
    private static readonly string[] Cake = { "target", "t", "verbosity", "v", "debug", "d", "dryrun", "noop", "whatif", "exclusive", "e", "showdescription", "description", "showtree", "tree", "info", "version", "help", "h", "bootstrap", "skip-bootstrap" };
    private static readonly string[] CakeSettingsPrefixes = { "settings_", "paths_", "nuget_", "roslyn_" };

    private static readonly Dictionary<string, string[]> ByTask = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Build"] = new[] { "configuration" },
        ["BuildCli"] = new[] { "configuration" },
        ["Test"] = new[] { "configuration" },
        ["KernelConfig"] = new[] { "kernel-base", "kernel-source", "kernel-sha256", "offline" },
        ["Kernel"] = new[] { "kernel-base", "kernel-source", "kernel-sha256", "offline" },
        // The kernel options name the kernels the lab boots (their key), as they named the ones the Kernel target built.
        ["Lab"] = new[] { "profile", "resume", "seed", "results", "scenario", "suite", "kernbench-source", "initrd", "run-id", "shard", "kernel-base", "kernel-source", "kernel-sha256", "precision", "questions", "budget" },
        ["LabPlan"] = new[] { "profile", "shards", "seed", "run-id", "job-limit", "json", "runner", "pilot", "precision", "questions" },
        ["Rootfs"] = new[] { "unixbench", "unixbench-sha256" },
        ["Prerequisites"] = new[] { "cross-checks" },
        ["Reproduce"] = new[] { "profile" },
        ["Smoke"] = new string[0],
        ["Report"] = new[] { "run", "reparse", "templates" },
        ["Release"] = new[] { "run", "tag", "repository", "github-api-url", "dry-run" },
    };

    // Options that take no value on vmlab's side (--offline=true → --offline), and those that take a comma list
    // (--scenario=a,b → --scenario a --scenario b).
    private static readonly HashSet<string> Flags = new(StringComparer.OrdinalIgnoreCase) { "offline", "json", "reparse", "dry-run", "cross-checks" };
    private static readonly HashSet<string> Lists = new(StringComparer.OrdinalIgnoreCase) { "scenario", "suite" };

    /// <summary>
    /// The given options of <paramref name="task"/> as vmlab arguments (vmlab's options have the same names), in the
    /// table's order, leaving out <paramref name="except"/> (the ones the task passes itself).
    /// </summary>
    public static string[] Forward(ICakeContext context, string task, params string[] except) =>
        ByTask[task]
            .Where(name => !except.Contains(name, StringComparer.OrdinalIgnoreCase) && context.HasArgument(name))
            .SelectMany(name => Flags.Contains(name)
                ? (IsOn(context, name) ? new[] { "--" + name } : new string[0])
                : (Lists.Contains(name) ? context.Argument<string>(name).Split(',', StringSplitOptions.RemoveEmptyEntries) : new[] { context.Argument<string>(name) })
                    .Where(value => value.Length > 0)
                    .SelectMany(value => new[] { "--" + name, value }))
            .ToArray();

    // A flag given alone (--reparse) reaches Cake without a value: on, as --reparse=true; only --name=false turns it off.
    private static bool IsOn(ICakeContext context, string name) =>
        !string.Equals(context.Argument<string>(name, null) is { Length: > 0 } value ? value : "true", "false", StringComparison.OrdinalIgnoreCase);

    /// <summary>The options the tasks that will run understand.</summary>
    public static SortedSet<string> Known(IEnumerable<string> tasks)
    {
        var known = new SortedSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var task in tasks)
        {
            known.UnionWith(ByTask.TryGetValue(task, out var options) ? options : new string[0]);
        }

        return known;
    }

    // Cake's own options that take a value; every other of its own is a flag (--dryrun, --tree, ...).
    private static readonly string[] CakeValued = { "target", "t", "verbosity", "v" };

    // What some options take, for the refusal of a missing or wrong value.
    private static readonly Dictionary<string, string[]> Values = new(StringComparer.OrdinalIgnoreCase)
    {
        ["configuration"] = new[] { "Release", "Debug" },
        ["profile"] = new[] { "smoke", "quick", "full" },
    };

    /// <summary>
    /// Throws, naming the unknown options and listing the known ones, when an argument is not understood; and when an
    /// option that takes a value is given without one (--profile alone ran the default plan), given twice (the last
    /// one won), or --configuration is not Release or Debug (--configuration=Relase built into bin/Relase).
    /// </summary>
    public static void Check(ICakeContext context, string target, IEnumerable<string> tasks)
    {
        var given = context.Arguments.GetArguments();
        foreach (var (name, values) in given.OrderBy(a => a.Key, StringComparer.Ordinal))
        {
            var example = Values.TryGetValue(name, out var allowed) ? string.Join("|", allowed) : "VALUE";
            if (values.Count > 1)
            {
                throw new CakeException($"--{name} is given {values.Count} times ({string.Join(", ", values.Select(v => v ?? "no value"))}); give it once: --{name}={example}.");
            }

            var value = values.FirstOrDefault();
            var flag = Flags.Contains(name) || (Cake.Contains(name, StringComparer.OrdinalIgnoreCase) && !CakeValued.Contains(name, StringComparer.OrdinalIgnoreCase));
            if (!flag && string.IsNullOrEmpty(value))
            {
                throw new CakeException($"--{name} is given without a value, so its default would be used silently; give one: --{name}={example}.");
            }

            if (name.Equals("configuration", StringComparison.OrdinalIgnoreCase) && !allowed!.Contains(value, StringComparer.Ordinal))
            {
                throw new CakeException($"--configuration={value} is not a configuration VmLab builds; use --configuration={example}.");
            }
        }

        var known = Known(tasks);
        var unknown = given.Keys
            .Where(name => !known.Contains(name) && !Cake.Contains(name, StringComparer.OrdinalIgnoreCase)
                           && !CakeSettingsPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase)))
            .OrderBy(name => name, StringComparer.Ordinal)
            .ToList();
        if (unknown.Count > 0)
        {
            throw new CakeException(
                $"Unknown option{(unknown.Count > 1 ? "s" : "")} {string.Join(", ", unknown.Select(n => "--" + n))} for target {target}. " +
                $"It understands: {(known.Count > 0 ? string.Join(", ", known.Select(n => "--" + n)) : "no options")} (and Cake's own, e.g. --verbosity).");
        }
    }
}
