using VmLab.Common;
using VmLab.Prerequisites;

namespace VmLab.Tests.Prerequisites;

public sealed class PrerequisiteInstallerTests
{
    [Fact]
    public async Task A_package_that_does_not_exist_is_reported_missing_and_an_installed_one_is_not()
    {
        // dpkg itself is installed on every Debian machine; the other name cannot exist.
        var wanted = new[] { new DebianPackage("dpkg", "test"), new DebianPackage("vmlab-no-such-package", "test") };

        var missing = await PrerequisiteInstaller.MissingAsync(wanted, TestContext.Current.CancellationToken);

        Assert.Equal(["vmlab-no-such-package"], missing.Select(p => p.Name));
    }

    [Fact]
    public void The_manual_command_names_every_missing_package()
    {
        var command = PrerequisiteInstaller.ManualCommand(DebianPackage.Pipeline.Take(2));

        Assert.Equal("sudo apt-get update && sudo apt-get install -y --no-install-recommends qemu-system-arm qemu-user-static", command);
    }

    [Fact]
    public void The_pipeline_list_names_each_package_once()
    {
        Assert.Equal(DebianPackage.Pipeline.Count, DebianPackage.Pipeline.Select(p => p.Name).Distinct().Count());
    }

    [Fact]
    public async Task Apt_knows_a_candidate_for_an_archive_package_and_none_for_an_unknown_name()
    {
        Assert.True(await PrerequisiteInstaller.HasCandidateAsync("dpkg", TestContext.Current.CancellationToken));
        Assert.False(await PrerequisiteInstaller.HasCandidateAsync("vmlab-no-such-package", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void Only_the_offline_kernel_fallback_and_the_noise_evidences_load_are_optional()
    {
        Assert.Equal(["linux-source-6.1", "stress-ng"], DebianPackage.Pipeline.Where(p => p.Optional).Select(p => p.Name));
    }

    [Fact]
    public void Every_module_the_cross_check_scripts_import_is_the_standard_librarys_or_a_listed_cross_check_package()
    {
        // The scripts that recompute VmLab's statistics independently (their outputs are the statistics tests' fixtures).
        var tests = Path.Combine(RepoPaths.Find(AppContext.BaseDirectory).Root, "tests", "VmLab.Tests");
        var scripts = Directory.GetFiles(tests, "*.py", SearchOption.AllDirectories).Where(f => !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)).ToList();
        string[] standard = ["glob", "json", "math", "os", "re", "sys", "warnings", "itertools", "collections", "pathlib", "argparse", "statistics", "random", "csv"];
        var imported = scripts.SelectMany(File.ReadAllLines)
            .Select(l => System.Text.RegularExpressions.Regex.Match(l, @"^(?:import|from)\s+([\w.]+(?:\s*,\s*[\w.]+)*)"))
            .Where(m => m.Success)
            .SelectMany(m => m.Groups[1].Value.Split(',').Select(n => n.Trim().Split('.')[0]))
            .Distinct().Order(StringComparer.Ordinal).ToList();

        Assert.Contains(scripts, s => s.EndsWith("blocks_check.py", StringComparison.Ordinal));
        Assert.Equal(["numpy", "pandas", "scipy", "statsmodels"], imported.Except(standard));
        Assert.Equal(imported.Except(standard).Select(m => $"python3-{m}"), DebianPackage.CrossChecks.Select(p => p.Name));
        Assert.Empty(DebianPackage.CrossChecks.Select(p => p.Name).Intersect(DebianPackage.Pipeline.Select(p => p.Name)));
    }
}
