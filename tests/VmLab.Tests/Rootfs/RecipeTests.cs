using VmLab.Common;
using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class RecipeTests
{
    [Fact]
    public void The_real_recipes_describe_the_study_s_host_and_guest()
    {
        var definition = RootfsDefinition.Load(RootfsTestTree.RealDirectory);

        Assert.Equal(["guest", "host"], definition.Recipes.Select(r => r.Name));
        var guest = definition.Recipe("guest");
        var host = definition.Recipe("host");
        Assert.Equal(("l2", "l1"), (guest.Layer, host.Layer));
        foreach (var recipe in definition.Recipes)
        {
            Assert.Equal("bookworm", recipe.Suite);
            Assert.Equal(["main", "non-free"], recipe.Components); // netperf is in non-free
            Assert.Equal("apt", recipe.Variant);                  // no init system: our PID 1 runs instead
            Assert.Superset(new HashSet<string> { "rt-tests", "netperf", "apache2", "gcc", "make", "bc", "flex", "bison", "libelf-dev", "time", "iproute2", "busybox", "mount" }, recipe.Packages.ToHashSet());
            Assert.Contains("overlay/common", recipe.Overlays);
            Assert.Superset(new HashSet<string> { "hackbench --help", "netperf -V", "ab -V", "apache2 -v" }, recipe.Checks.ToHashSet());
        }

        Assert.DoesNotContain("qemu-system-arm", guest.Packages);
        Assert.Superset(new HashSet<string> { "qemu-system-arm", "ipxe-qemu", "apache2-utils" }, host.Packages.ToHashSet());
        Assert.Contains("qemu-system-aarch64 --version", host.Checks);
        Assert.Equal("http://deb.debian.org/debian", definition.Settings.Mirror);
        Assert.Equal(41288, definition.Sources.DocumentSet.IndexBytes);
        Assert.Equal("5.1.3", definition.Sources.Unixbench.Version);
    }

    [Fact]
    public void Every_problem_of_a_bad_recipe_is_reported_at_once_with_its_file()
    {
        var dir = RootfsTestTree.Copy();
        var path = Path.Combine(dir, "recipes", "guest.json");
        File.WriteAllText(path, File.ReadAllText(path)
            .Replace("\"layer\": \"l2\"", "\"layer\": \"l3\"")
            .Replace("\"rt-tests\"", "\"rt-tests\", \"Bad_Name\", \"make\"")
            .Replace("\"overlay/guest\"", "\"overlay/missing\""));

        var ex = Assert.Throws<LabException>(() => RootfsDefinition.Load(dir));

        Assert.Contains($"{path}: layer 'l3' is not one of l1, l2", ex.Message);
        Assert.Contains($"{path}: 'Bad_Name' is not a Debian package name", ex.Message);
        Assert.Contains($"{path}: package 'make' is listed twice", ex.Message);
        Assert.Contains($"{path}: overlay 'overlay/missing' does not exist", ex.Message);
        Assert.DoesNotContain("host.json", ex.Message);
        Assert.Contains("rootfs/README.md", ex.Next);
    }

    [Fact]
    public void A_misspelt_property_is_an_error_not_a_silently_ignored_setting()
    {
        var dir = RootfsTestTree.Copy();
        var path = Path.Combine(dir, "recipes", "host.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"packages\"", "\"pakages\""));

        var ex = Assert.Throws<LabException>(() => RootfsDefinition.Load(dir));

        Assert.Contains(path, ex.Message);
        Assert.Contains("pakages", ex.Message);
    }

    [Fact]
    public void An_unknown_image_name_lists_the_known_ones()
    {
        var definition = RootfsDefinition.Load(RootfsTestTree.RealDirectory);

        var ex = Assert.Throws<LabException>(() => definition.Recipe("gust"));

        Assert.Contains("known: guest, host", ex.Message);
    }

    [Theory]
    [InlineData("rt-tests", true)]
    [InlineData("libstdc++6", true)]
    [InlineData("qemu-system-arm", true)]
    [InlineData("Apache2", false)]
    [InlineData("a", false)]
    [InlineData("-bad", false)]
    [InlineData("has space", false)]
    public void Package_names_follow_debian_policy(string name, bool valid) =>
        Assert.Equal(valid, DebianNames.IsPackageName(name));
}
