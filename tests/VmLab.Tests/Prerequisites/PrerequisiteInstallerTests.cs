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
    public void Only_the_offline_kernel_fallback_the_noise_evidences_load_and_the_statistics_cross_checks_are_optional()
    {
        Assert.Equal(["linux-source-6.1", "stress-ng", "python3-scipy", "python3-statsmodels"], DebianPackage.Pipeline.Where(p => p.Optional).Select(p => p.Name));
    }
}
