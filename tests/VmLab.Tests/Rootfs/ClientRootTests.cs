using System.Collections.Immutable;
using System.Text.Json;
using VmLab.Common;
using VmLab.Lab.Artifacts;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientRootRecipeTests
{
    private static ClientRootDefinition Real => ClientRootDefinition.Load(RootfsTestTree.RealDirectory);

    [Fact]
    public void The_real_recipe_is_netperf_and_ab_from_main_and_non_free_with_the_images_mirror()
    {
        var definition = Real;

        Assert.Equal("client", definition.Recipe.Name);
        Assert.Equal("l0", definition.Recipe.Layer);
        Assert.Equal("bookworm", definition.Recipe.Suite);
        Assert.Equal(["main", "non-free"], definition.Recipe.Components);
        Assert.Equal("essential", definition.Recipe.Variant);
        Assert.Equal(["netperf", "apache2-utils"], definition.Recipe.Packages);
        Assert.Contains("netperf -V", definition.Recipe.Checks);
        Assert.Contains("ab -V", definition.Recipe.Checks);
        Assert.Contains("test -c /dev/urandom", definition.Recipe.Checks);
        Assert.Equal(RootfsDefinition.Load(RootfsTestTree.RealDirectory).Settings.Mirror, definition.Mirror);
    }

    [Fact]
    public void The_key_hashes_recipe_mirror_suite_architecture_epoch_and_builder_and_ignores_package_order()
    {
        var definition = Real;
        var key = ClientRootPlan.Create(definition, "amd64").Key;

        Assert.Equal(
            ["architecture", "builder", "epoch", "mirror", "recipe", "suite"],
            key.Inputs.Keys);
        Assert.Equal(ClientRootPlan.BuilderVersion, key.Inputs["builder"]);
        Assert.Equal(key.ToString(), ClientRootPlan.Create(definition, "amd64").Key.ToString());
        Assert.Equal(key.ToString(), ClientRootPlan.Create(definition with { Recipe = definition.Recipe with { Packages = ["apache2-utils", "netperf"] } }, "amd64").Key.ToString());

        var others = new[]
        {
            ClientRootPlan.Create(definition, "arm64").Key,
            ClientRootPlan.Create(definition with { Mirror = "http://ftp.de.debian.org/debian" }, "amd64").Key,
            ClientRootPlan.Create(definition with { Recipe = definition.Recipe with { Suite = "trixie" } }, "amd64").Key,
            ClientRootPlan.Create(definition with { Recipe = definition.Recipe with { Packages = [.. definition.Recipe.Packages, "iperf3"] } }, "amd64").Key,
            ClientRootPlan.Create(definition with { SourceDateEpoch = 1 }, "amd64").Key,
        };
        Assert.Equal(others.Length + 1, others.Select(k => k.ToString()).Append(key.ToString()).Distinct().Count());
    }

    [Fact]
    public void The_client_root_lives_in_artifacts_client_key_root_with_metadata_beside_it()
    {
        var paths = new RepoPaths("/repo") { Artifacts = "/cache" };
        var plan = ClientRootPlan.Create(Real, "amd64");

        Assert.Equal($"/cache/client/{plan.Key}/root", plan.RootDirectory(paths));
        Assert.Equal($"/cache/client/{plan.Key}/metadata.json", plan.MetadataFile(paths));
        Assert.False(plan.IsBuilt(paths));
    }

    [Fact]
    public void The_mmdebstrap_command_is_native_root_mode_with_debootstrap_style_merged_usr()
    {
        var command = new ClientMmdebstrapCommand(Real.Recipe, "amd64", "http://deb.debian.org/debian", 1700000000, "/a/client/k/root");

        Assert.Equal(
            "SOURCE_DATE_EPOCH=1700000000 mmdebstrap --mode=root --arch=amd64 --variant=essential --components=main,non-free "
            + "--include=netperf,apache2-utils --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr "
            + "'--aptopt=APT::Install-Recommends \"false\"' '--dpkgopt=path-exclude=/usr/share/man/*' "
            + "'--dpkgopt=path-exclude=/usr/share/locale/*' '--dpkgopt=path-exclude=/usr/share/doc/*' "
            + "'--dpkgopt=path-include=/usr/share/doc/*/copyright' bookworm /a/client/k/root http://deb.debian.org/debian",
            command.ToString());
        Assert.Equal("1700000000", command.Environment["SOURCE_DATE_EPOCH"]);
    }

    [Fact]
    public void Debian_architecture_names_follow_dpkg()
    {
        Assert.Equal("amd64", DebianArchitecture.Of(System.Runtime.InteropServices.Architecture.X64));
        Assert.Equal("arm64", DebianArchitecture.Of(System.Runtime.InteropServices.Architecture.Arm64));
        Assert.Contains("architecture", Assert.Throws<LabException>(() => DebianArchitecture.Of(System.Runtime.InteropServices.Architecture.Wasm)).Message);
    }

    [Fact]
    public void Every_problem_of_a_bad_recipe_is_reported_with_its_file()
    {
        var dir = RootfsTestTree.Copy();
        var path = Path.Combine(dir, "recipes", "client.json");
        File.WriteAllText(path, """
            {
              "name": "client", "layer": "l1", "description": "", "suite": "bookworm",
              "components": [], "variant": "extract",
              "packages": ["netperf", "Netperf", "netperf"], "checks": []
            }
            """);

        var error = Assert.Throws<LabException>(() => ClientRootDefinition.Load(dir));

        Assert.Contains($"{path}: layer 'l1' must be l0", error.Message);
        Assert.Contains("components is missing", error.Message);
        Assert.Contains("variant 'extract'", error.Message);
        Assert.Contains("'Netperf' is not a Debian package name", error.Message);
        Assert.Contains("package 'netperf' is listed twice", error.Message);
        Assert.Contains("checks is empty", error.Message);
    }

    [Fact]
    public void An_unknown_property_is_an_error_like_in_the_image_recipes()
    {
        var dir = RootfsTestTree.Copy();
        var path = Path.Combine(dir, "recipes", "client.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"variant\"", "\"overlays\": [], \"variant\""));

        Assert.Contains("overlays", Assert.Throws<LabException>(() => ClientRootDefinition.Load(dir)).Message);
    }
}

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ClientRootBuilderTests
{
    private static ClientRootPlan Plan(string? rootfsDirectory = null) =>
        ClientRootPlan.Create(ClientRootDefinition.Load(rootfsDirectory ?? RootfsTestTree.RealDirectory));

    private static RepoPaths TempArtifacts() =>
        RootfsTestTree.Repo with { Artifacts = Directory.CreateTempSubdirectory("vmlab-client-").FullName };

    [Fact]
    public void Not_root_says_why_root_is_needed_and_the_sudo_command()
    {
        var error = Assert.Throws<LabException>(() => new ClientRootHost(IsRoot: false, "/usr/bin/mmdebstrap", true).Ensure());

        Assert.Contains("needs root", error.Message);
        Assert.Contains("/dev/null", error.Message);
        Assert.Equal("sudo ./build.sh --target=ClientRoot", error.Next);
    }

    [Fact]
    public void A_missing_mmdebstrap_points_to_the_prerequisites()
    {
        var error = Assert.Throws<LabException>(() => new ClientRootHost(IsRoot: true, null, false).Ensure());

        Assert.Contains("mmdebstrap is not installed", error.Message);
        Assert.Contains("--target=Prerequisites", error.Next);
        Assert.Contains("--target=ClientRoot", error.Next);
    }

    [Fact]
    public void An_mmdebstrap_without_the_merged_usr_hooks_is_named()
    {
        var error = Assert.Throws<LabException>(() => new ClientRootHost(IsRoot: true, "/usr/bin/mmdebstrap", false).Ensure());

        Assert.Contains(ClientMmdebstrapCommand.DefaultMergedUsrHooks, error.Message);
    }

    [Fact]
    public void Apt_s_line_about_an_unreachable_mirror_is_found_in_mmdebstrap_s_real_output()
    {
        var output = Fixture.Read("l0", "client", "mmdebstrap-mirror-unreachable.txt");

        Assert.StartsWith("E: Failed to fetch http://127.0.0.1:50817/debian/dists/bookworm/InRelease", ClientRootBuilder.MirrorProblem(output));
        Assert.Null(ClientRootBuilder.MirrorProblem("E: Unable to locate package netperff\nE: mmdebstrap failed to run"));
    }

    [Fact]
    public async Task A_cached_client_root_is_returned_without_any_privilege_or_tool()
    {
        var paths = TempArtifacts();
        var plan = Plan();
        Directory.CreateDirectory(plan.RootDirectory(paths));
        File.Copy(Fixture.Path("artifacts", "client-metadata.json"), plan.MetadataFile(paths));
        var output = new StringWriter();
        var builder = new ClientRootBuilder(paths, output) { Host = new ClientRootHost(IsRoot: false, null, false) };

        var metadata = await builder.BuildAsync(plan, force: false, TestContext.Current.CancellationToken);

        Assert.Equal("2.7.0-0.1", metadata.ClientPackages["netperf"]);
        Assert.Contains($"client: cached ({plan.Key})", output.ToString());
        // --force would rebuild, which needs root: the host check comes first.
        await Assert.ThrowsAsync<LabException>(() => builder.BuildAsync(plan, force: true, TestContext.Current.CancellationToken));
    }

    [Fact]
    public void The_real_metadata_records_key_versions_checks_size_duration_and_the_command()
    {
        var metadata = ClientRootMetadata.Load(Fixture.Path("artifacts", "client-metadata.json"));

        Assert.Equal(16, metadata.Key.Length);
        Assert.Equal(["architecture", "builder", "epoch", "mirror", "recipe", "suite"], metadata.KeyInputs.Keys.Order());
        Assert.Equal("mmdebstrap 1.3.5", metadata.MmdebstrapVersion);
        Assert.Equal(new Dictionary<string, string> { ["netperf"] = "2.7.0-0.1", ["apache2-utils"] = "2.4.68-1~deb12u1" }, metadata.ClientPackages);
        Assert.Contains(metadata.Packages, p => p.Name == "dash");
        Assert.DoesNotContain(metadata.Packages, p => p.Name is "usrmerge" or "perl"); // the merged-usr hooks keep perl out
        Assert.All(metadata.Checks, c => Assert.Equal(0, c.ExitCode));
        Assert.Equal("Netperf version 2.7.0", metadata.Checks.Single(c => c.Command == "netperf -V").Output);
        Assert.InRange(metadata.TreeBytes, 30L << 20, 200L << 20);
        Assert.True(metadata.Seconds.Total > 0);
        Assert.StartsWith("SOURCE_DATE_EPOCH=1700000000 mmdebstrap --mode=root --arch=amd64", metadata.Reproduce.Single());
        Assert.EndsWith($"/client/{metadata.Key}/root http://deb.debian.org/debian", metadata.Reproduce.Single());
    }

    [Fact]
    public void The_lab_finds_the_client_root_of_the_current_recipe_or_names_the_target_that_builds_it()
    {
        var paths = TempArtifacts();
        var plan = Plan();

        var missing = Assert.Throws<LabException>(() => ClientRootArtifact.Locate(paths));
        Assert.Contains(plan.Key.ToString(), missing.Message);
        Assert.Contains("--target=ClientRoot", missing.Next);

        var stale = Path.Combine(paths.Artifacts, "client", "0123456789abcdef");
        Directory.CreateDirectory(Path.Combine(stale, "root"));
        File.Copy(Fixture.Path("artifacts", "client-metadata.json"), Path.Combine(stale, "metadata.json"));
        Assert.Contains("0123456789abcdef", Assert.Throws<LabException>(() => ClientRootArtifact.Locate(paths)).Message);
        Assert.Equal("0123456789abcdef", Path.GetFileName(ClientRootArtifact.Locate(paths, stale).Directory));

        Directory.CreateDirectory(plan.RootDirectory(paths));
        File.Copy(Fixture.Path("artifacts", "client-metadata.json"), plan.MetadataFile(paths));
        var found = ClientRootArtifact.Locate(paths);
        Assert.Equal(plan.RootDirectory(paths), found.RootDirectory);
        Assert.Equal("2.4.68-1~deb12u1", found.PackageVersions["apache2-utils"]);
        Assert.NotNull(ClientRootArtifact.TryLocate(paths));
    }

    [Fact]
    public async Task A_mirror_that_cannot_be_reached_fails_fast_with_the_mirror_named_and_what_to_do()
    {
        var host = ClientRootHost.Detect();
        Assert.SkipUnless(host.IsRoot && host.Mmdebstrap is not null && host.HasMergedUsrHooks,
            "needs root and mmdebstrap (runs the real mmdebstrap against a closed loopback port)");
        var dir = RootfsTestTree.Copy();
        var settings = Path.Combine(dir, "rootfs.json");
        var mirror = $"http://127.0.0.1:{Loopback.FreePort()}/debian";
        File.WriteAllText(settings, File.ReadAllText(settings).Replace("http://deb.debian.org/debian", mirror));
        var paths = TempArtifacts();
        try
        {
            var error = await Assert.ThrowsAsync<LabException>(() =>
                new ClientRootBuilder(paths, TextWriter.Null).BuildAsync(Plan(dir), force: false, TestContext.Current.CancellationToken));

            Assert.Contains($"Debian's mirror {mirror} cannot be reached", error.Message);
            Assert.Contains("Connection refused", error.Message);
            Assert.Contains("rootfs/rootfs.json", error.Next);
            Assert.Contains("--target=ClientRoot", error.Next);
            Assert.False(Plan(dir).IsBuilt(paths));
        }
        finally
        {
            RootfsBuilder.RemoveTree(paths.Artifacts); // mmdebstrap's half-made tree holds device nodes
        }
    }
}
