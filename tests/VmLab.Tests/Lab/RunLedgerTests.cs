using VmLab.Common;
using VmLab.Lab.Ledger;

namespace VmLab.Tests.Lab;

public sealed class RunLedgerTests
{
    private static readonly LabUnit Unit = new("baseline", "hackbench", 2);

    private static (string Dir, RunLedger Ledger) DoneUnit(string content = "Time: 1.0\n")
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-ledger-").FullName;
        var raw = Path.Combine(dir, Unit.RawPath);
        Directory.CreateDirectory(Path.GetDirectoryName(raw)!);
        File.WriteAllText(raw, content);
        var ledger = RunLedger.Empty("r", "smoke").WithBoot(4)
            .With(Unit, new UnitRecord(UnitState.Done, 4, 0, 1.5, Hashing.Sha256OfText(content), []));
        return (dir, ledger);
    }

    [Fact]
    public void A_done_unit_with_its_raw_file_intact_is_not_run_again()
    {
        var (dir, ledger) = DoneUnit();

        Assert.False(ledger.IsPending(Unit, dir));
        Assert.True(ledger.IsPending(Unit with { Repeat = 3 }, dir));
    }

    [Fact]
    public void A_done_unit_whose_raw_file_was_lost_or_changed_runs_again()
    {
        var (dir, ledger) = DoneUnit();
        File.WriteAllText(Path.Combine(dir, Unit.RawPath), "Time: 9.9\n");
        Assert.True(ledger.IsPending(Unit, dir));

        File.Delete(Path.Combine(dir, Unit.RawPath));
        Assert.True(ledger.IsPending(Unit, dir));
    }

    [Fact]
    public void A_failed_unit_is_a_result_kept_unless_failed_units_are_retried_and_an_unavailable_one_is_never_retried()
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-ledger-").FullName;
        var other = Unit with { Suite = "unixbench" };
        var ledger = RunLedger.Empty("r", "smoke")
            .With(Unit, new UnitRecord(UnitState.Failed, 1, null, null, null, ["hung"]))
            .With(other, new UnitRecord(UnitState.Unavailable, 1, null, null, null, ["not installed"]));

        Assert.False(ledger.IsPending(Unit, dir));
        Assert.True(ledger.IsPending(Unit, dir, retryFailed: true));
        Assert.False(ledger.IsPending(other, dir, retryFailed: true));
    }

    [Fact]
    public async Task The_ledger_round_trips_through_units_json_with_its_boot_counter()
    {
        var (dir, ledger) = DoneUnit();
        ledger = ledger.With(4, new BootRecord("baseline", 2, BootEnd.Finished, 30.5, new Dictionary<string, string> { ["nproc"] = "2" }, []));

        await ledger.SaveAsync(dir, TestContext.Current.CancellationToken);
        var loaded = RunLedger.Load(dir)!;

        Assert.Equal(4, loaded.LastBoot);
        Assert.Equal(ledger[Unit], loaded[Unit]! with { Problems = ledger[Unit]!.Problems });
        Assert.Equal("2", loaded.Boots[4].L1Facts["nproc"]);
        Assert.Contains("\"state\": \"Done\"", File.ReadAllText(Path.Combine(dir, RunLedger.FileName)));
        Assert.False(loaded.IsPending(Unit, dir));
    }

    [Fact]
    public void Boot_numbers_only_go_up()
    {
        Assert.Equal(5, RunLedger.Empty("r", "smoke").WithBoot(5).WithBoot(3).LastBoot);
    }

    [Theory]
    [InlineData("")]
    [InlineData("{\"runId\": \"r\", \"pro")]
    [InlineData("null")]
    public void An_empty_or_corrupt_ledger_is_refused_naming_the_file_and_the_repair(string text)
    {
        var dir = Directory.CreateTempSubdirectory("vmlab-ledger-").FullName;
        var path = Path.Combine(dir, RunLedger.FileName);
        File.WriteAllText(path, text);

        var error = Assert.Throws<LabException>(() => RunLedger.Load(dir));

        Assert.Contains(path, error.Message);
        Assert.Contains("vmlab lab repair", error.Next);
    }
}
