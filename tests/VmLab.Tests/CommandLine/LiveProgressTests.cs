using Spectre.Console.Testing;
using VmLab.CommandLine;
using VmLab.Lab;

namespace VmLab.Tests.CommandLine;

public sealed class LiveProgressTests
{
    [Fact]
    public async Task On_a_terminal_the_lab_shows_its_boot_units_and_ETA_live_with_the_log_lines_above()
    {
        var console = new TestConsole().Interactive().EmitAnsiSequences();
        console.Profile.Width = 160;
        var live = new LiveProgress(console);
        live.Report(new LabProgress(0, 3, 0, 18, TimeSpan.Zero, TimeSpan.FromMinutes(12), "baseline, block 1"));

        await live.RunAsync(async () =>
        {
            live.Lines.WriteLine("10:00:00 boot 1/3 (#1): block 1, baseline: hackbench [not markup]");
            live.Report(new LabProgress(1, 3, 6, 18, TimeSpan.FromMinutes(4), TimeSpan.FromMinutes(8), null));
            await Task.CompletedTask;
        });

        Assert.Contains("10:00:00 boot 1/3 (#1): block 1, baseline: hackbench [not markup]", console.Output);
        Assert.Contains("boot 1/3: baseline, block 1 · 0/18 units", console.Output); // the state before the first boot
        Assert.Contains("boot 2/3 · 6/18 units · elapsed 4 min 00 s · ETA 8 min 00 s", console.Output);
    }

    [Theory]
    [InlineData(false, null, null, true)]
    [InlineData(true, null, null, false)] // a file or a pipe
    [InlineData(false, "1", null, false)] // NO_COLOR
    [InlineData(false, null, "true", false)] // CI
    [InlineData(false, "", "", true)] // set but empty: as unset
    public void Only_a_terminal_without_NO_COLOR_outside_CI_gets_the_live_display(bool redirected, string? noColor, string? ci, bool live)
    {
        var environment = new Dictionary<string, string?> { ["NO_COLOR"] = noColor, ["CI"] = ci };

        Assert.Equal(live, LiveProgress.WantedFor(redirected, name => environment.GetValueOrDefault(name)));
    }

    [Fact]
    public void The_test_hosts_redirected_output_gets_the_plain_lines()
    {
        Assert.False(LiveProgress.Wanted);
    }
}
