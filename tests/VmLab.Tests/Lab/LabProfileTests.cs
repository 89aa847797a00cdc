using VmLab.Common;
using VmLab.Lab.Plan;
using VmLab.Suites;

namespace VmLab.Tests.Lab;

public sealed class LabProfileTests
{
    [Fact]
    public void The_full_profile_carries_the_study_parameters()
    {
        var full = LabProfiles.Load(Profiles.Repo, "full");
        var target = new VmLab.Suites.SuiteTarget(Cpus: 2, ServerAddress: "192.168.0.105");

        Assert.Equal(3, full.Repeats);
        Assert.Equal("hackbench -g 50 -l 50 -P", full.SettingsOf<HackbenchCommand>().Command(target));
        Assert.Equal("ab -n 100000 -c 100 http://192.168.0.105/gcc/index.html", full.SettingsOf<ApacheBenchCommand>().Command(target));
        Assert.Equal("netperf -H 192.168.0.105 -t TCP_STREAM -l 10 -c -C", full.Suite("netperf-stream").Command(target));
        Assert.Equal("netperf -H 192.168.0.105 -t TCP_RR -l 10 -c -C", full.Suite("netperf-rr").Command(target));
        Assert.Equal("defconfig", full.SettingsOf<KernbenchCommand>().Config);
        Assert.Equal("", full.SettingsOf<UnixBenchCommand>().Tests); // the whole index
    }

    [Fact]
    public void Smoke_and_quick_have_the_same_shape_as_full_and_smoke_has_two_repeats()
    {
        var all = LabProfiles.Parse(File.ReadAllText(LabProfiles.PathIn(Profiles.Repo)));

        Assert.Equal(["full", "quick", "smoke"], all.Keys.Order(StringComparer.Ordinal));
        Assert.All(all.Values, p => Assert.Equal(
            ["netperf-stream", "netperf-rr", "ab", "hackbench", "kernbench", "unixbench"], p.Suites.Select(s => s.Id)));
        Assert.Equal(2, all["smoke"].Repeats);
        Assert.Equal(3, all["quick"].Repeats);
        Assert.All(all.Values, p => Assert.All(p.Suites, s => Assert.True(s.Timeout > s.Estimate, $"{p.Name}/{s.Id}: timeout below estimate")));
    }

    [Fact]
    public void Kernbench_times_only_the_build_with_four_jobs_per_cpu_out_of_the_read_only_tree()
    {
        var command = Profiles.Full.SettingsOf<KernbenchCommand>().Command(new VmLab.Suites.SuiteTarget(2, ""));

        Assert.Contains("make -s -C /payload/kernbench/linux O=/work/kernbench defconfig", command);
        Assert.Contains("/usr/bin/time -f '%e %U %S %P %c %w' -o /work/kernbench/time.txt make -s -C /payload/kernbench/linux O=/work/kernbench -j 8  >/dev/null", command);
        Assert.True(command.IndexOf("clean", StringComparison.Ordinal) < command.IndexOf("/usr/bin/time", StringComparison.Ordinal));
    }

    [Fact]
    public void Smoke_kernbench_times_single_file_compiles_of_the_tree_without_configuring_it()
    {
        var command = Profiles.Smoke.SettingsOf<KernbenchCommand>().Command(new VmLab.Suites.SuiteTarget(2, ""));

        Assert.Contains("/usr/bin/time -f '%e %U %S %P %c %w' -o /work/kernbench/time.txt sh -c \"gcc -O2 -o /work/kernbench/file-0 /payload/kernbench/linux/scripts/basic/fixdep.c\"", command);
        Assert.DoesNotContain("config", command);
    }

    [Fact]
    public void A_misspelt_setting_is_rejected_rather_than_silently_ignored()
    {
        var json = File.ReadAllText(LabProfiles.PathIn(Profiles.Repo)).Replace("\"loops\"", "\"loop\"");

        var error = Assert.Throws<LabException>(() => LabProfiles.Parse(json));

        Assert.Contains("loop", error.Message);
    }

    [Fact]
    public void A_profile_without_a_registered_suite_is_rejected_naming_the_suite()
    {
        var json = File.ReadAllText(LabProfiles.PathIn(Profiles.Repo)).Replace("\"netperf\": { \"seconds\": 2,", "\"netperf-gone\": { \"seconds\": 2,");

        var error = Assert.Throws<LabException>(() => LabProfiles.Parse(json));

        Assert.Contains("profile 'smoke' has no settings for suite netperf", error.Message);
    }

    [Fact]
    public void Every_profile_declares_its_equivalence_margin_and_probe_use_before_a_run_and_one_without_is_rejected()
    {
        var text = File.ReadAllText(LabProfiles.PathIn(Profiles.Repo));
        Assert.All(LabProfiles.Parse(text).Values, p => Assert.Equal(new VmLab.Statistics.AnalysisPlan(0.10, ProbeCovariate: false), p.Analysis));

        var without = Assert.Throws<LabException>(() => LabProfiles.Parse(text.Replace("\"analysis\": { \"equivalenceMargin\": 0.10, \"probeCovariate\": false },", "")));
        Assert.Contains("has no \"analysis\" settings", without.Message);
        var wide = Assert.Throws<LabException>(() => LabProfiles.Parse(text.Replace("\"equivalenceMargin\": 0.10", "\"equivalenceMargin\": 10")));
        Assert.Contains("analysis.equivalenceMargin is 10", wide.Message);
    }

    [Fact]
    public void An_unknown_profile_names_the_ones_there_are()
    {
        var error = Assert.Throws<LabException>(() => LabProfiles.Load(Profiles.Repo, "tiny"));

        Assert.Contains("smoke", error.Next);
    }
}
