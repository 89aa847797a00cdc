using VmLab.Rootfs;

namespace VmLab.Tests.Rootfs;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PlanTests
{
    private static readonly SourceUse NoUnixBench = new("UnixBench 5.1.3", SourceStatus.Unavailable, "test: not given", null);

    private static Dictionary<string, string> Keys(string rootfsDir, SourceUse? unixBench = null, int? headroom = null) =>
        RootfsPlan.Create(RootfsDefinition.Load(rootfsDir), unixBench ?? NoUnixBench, headroom)
            .Images.ToDictionary(i => i.Recipe.Name, i => i.Key.ToString());

    [Fact]
    public void The_same_inputs_give_the_same_keys_in_another_checkout()
    {
        var real = Keys(RootfsTestTree.RealDirectory);
        var copy = Keys(RootfsTestTree.Copy());

        Assert.Equal(real, copy);
        Assert.NotEqual(real["guest"], real["host"]);
    }

    [Fact]
    public void Changing_one_package_of_the_host_changes_only_the_host_key()
    {
        var dir = RootfsTestTree.Copy();
        var before = Keys(dir);
        var path = Path.Combine(dir, "recipes", "host.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"procps\",", "\"procps\", \"strace\","));

        var after = Keys(dir);

        Assert.Equal(before["guest"], after["guest"]);
        Assert.NotEqual(before["host"], after["host"]);
    }

    [Fact]
    public void Reordering_the_package_list_is_not_a_change()
    {
        var dir = RootfsTestTree.Copy();
        var before = Keys(dir);
        var path = Path.Combine(dir, "recipes", "guest.json");
        File.WriteAllText(path, File.ReadAllText(path).Replace("\"busybox\", \"mount\",", "\"mount\", \"busybox\","));

        Assert.Equal(before, Keys(dir));
    }

    [Fact]
    public void The_common_overlay_is_in_both_keys_and_its_permission_bits_count()
    {
        var dir = RootfsTestTree.Copy();
        var before = Keys(dir);
        var init = Path.Combine(dir, "overlay", "common", "usr", "sbin", "vmlab-init");

        File.SetUnixFileMode(init, File.GetUnixFileMode(init) & ~(UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute));
        var chmodded = Keys(dir);
        File.AppendAllText(Path.Combine(dir, "overlay", "guest", "etc", "hostname"), "x");
        var guestOnly = Keys(dir);

        Assert.NotEqual(before["guest"], chmodded["guest"]);
        Assert.NotEqual(before["host"], chmodded["host"]);
        Assert.NotEqual(chmodded["guest"], guestOnly["guest"]);
        Assert.Equal(chmodded["host"], guestOnly["host"]);
    }

    [Fact]
    public void Mirror_epoch_headroom_customize_hook_and_sources_are_all_inputs()
    {
        var dir = RootfsTestTree.Copy();
        var baseline = Keys(dir)["guest"];
        var settings = Path.Combine(dir, "rootfs.json");
        var original = File.ReadAllText(settings);

        File.WriteAllText(settings, original.Replace("deb.debian.org", "ftp.de.debian.org"));
        var mirror = Keys(dir)["guest"];
        File.WriteAllText(settings, original.Replace("1700000000", "1700000001"));
        var epoch = Keys(dir)["guest"];
        File.WriteAllText(settings, original);
        var headroom = Keys(dir, headroom: 2048)["guest"];
        var unixBench = Keys(dir, NoUnixBench with { Status = SourceStatus.Used, Sha256 = new string('a', 64) })["guest"];
        File.AppendAllText(Path.Combine(dir, "customize.sh"), "\n# changed\n");
        var hook = Keys(dir)["guest"];

        string[] all = [baseline, mirror, epoch, headroom, unixBench, hook];
        Assert.Equal(all.Length, all.Distinct().Count());
    }

    [Fact]
    public void The_set_key_follows_its_image_keys_and_names_the_contract_folder()
    {
        var definition = RootfsDefinition.Load(RootfsTestTree.RealDirectory);
        var both = RootfsPlan.Create(definition, NoUnixBench);
        var again = RootfsPlan.Create(definition, NoUnixBench);
        var bigger = RootfsPlan.Create(definition, NoUnixBench, headroomMiB: 4096);

        Assert.Equal(both.SetKey.ToString(), again.SetKey.ToString());
        Assert.NotEqual(both.SetKey.ToString(), bigger.SetKey.ToString());
        var paths = RootfsTestTree.Repo with { Artifacts = "/tmp/a" };
        Assert.Equal($"/tmp/a/rootfs/{both.SetKey}", both.SetDirectory(paths));
        Assert.Equal($"/tmp/a/rootfs/images/guest/{both.Images[0].Key}/guest.img", both.Images[0].ImageFile(paths));
    }
}
