using VmLab.Common;
using VmLab.Lab.Ledger;
using VmLab.Tests.Results;

namespace VmLab.Tests.Lab;

/// <summary><c>vmlab lab repair</c> on a copy of the committed smoke run whose units.json was lost to a power loss (issue 16, item 6).</summary>
public sealed class LedgerRepairTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("vmlab-repair-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void The_rebuilt_ledger_has_every_unit_with_the_boot_and_sha256_the_lab_recorded()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var recorded = RunLedger.Load(run.Path)!;

        var rebuilt = LedgerRepair.Rebuild(run);

        Assert.Equal(recorded.Units.Keys, rebuilt.Units.Keys);
        Assert.All(recorded.Units, u => Assert.Equal((u.Value.State, u.Value.Boot, u.Value.Sha256), (rebuilt.Units[u.Key].State, rebuilt.Units[u.Key].Boot, rebuilt.Units[u.Key].Sha256)));
        Assert.Equal(recorded.LastBoot, rebuilt.LastBoot);
        Assert.Equal(recorded.Boots.ToDictionary(b => b.Key, b => (b.Value.Scenario, b.Value.Repeat)), rebuilt.Boots.ToDictionary(b => b.Key, b => (b.Value.Scenario, b.Value.Repeat)));
        Assert.Equal(recorded.Order!.Seed, rebuilt.Order!.Seed);
        Assert.Equal(recorded.Order.Blocks.Select(b => string.Join(",", b)), rebuilt.Order.Blocks.Select(b => string.Join(",", b)));
    }

    [Fact]
    public void An_empty_ledger_is_repaired_keeping_the_damaged_one_and_no_finished_unit_is_pending()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var ledgerPath = Path.Combine(run.Path, RunLedger.FileName);
        File.WriteAllText(ledgerPath, "");

        var ledger = LedgerRepair.Repair(run, force: false, DateTimeOffset.UnixEpoch).Ledger;

        Assert.Equal(60, ledger.Units.Count);
        var loaded = RunLedger.Load(run.Path)!;
        Assert.All(loaded.Units.Keys, k =>
        {
            var parts = k.Split('/');
            Assert.False(loaded.IsPending(new LabUnit(parts[0], parts[1], int.Parse(parts[2], System.Globalization.CultureInfo.InvariantCulture)), run.Path));
        });
        Assert.True(File.Exists(ledgerPath + ".damaged-19700101T000000Z"));
    }

    [Fact]
    public void A_readable_ledger_is_not_replaced_without_force()
    {
        var run = RawIntegrityTests.CopyOf(_root);
        var before = File.ReadAllText(Path.Combine(run.Path, RunLedger.FileName));

        var error = Assert.Throws<LabException>(() => LedgerRepair.Repair(run, force: false, DateTimeOffset.UnixEpoch));

        Assert.Contains("--force", error.Next);
        Assert.Equal(before, File.ReadAllText(Path.Combine(run.Path, RunLedger.FileName)));
    }
}
