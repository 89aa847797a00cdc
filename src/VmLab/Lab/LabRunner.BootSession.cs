using System.Collections.Concurrent;
using System.Text;
using VmLab.Common;
using VmLab.Counters;
using VmLab.Lab.Ledger;
using VmLab.Lab.Plan;
using VmLab.Lab.Vm;
using VmLab.Suites;

namespace VmLab.Lab;

public sealed partial class LabRunner
{
    /// <summary>One boot as it happens: what its consoles said, what arrived, and L0's network clients.</summary>
    private sealed class BootSession(LabRunner runner, Boot boot, BootTimeline timeline)
    {
        private readonly CancellationTokenSource _clientsStop = new();
        private Task _clients = Task.CompletedTask;

        /// <summary>L0's side of the units' counters: L1's QEMU threads at each edge (docs/PROTOCOL.md, "Counters").</summary>
        public L0Counters Counters => _counters ??= new L0Counters(timeline, Input);

        private L0Counters? _counters;

        public string ConsolePath { get; } = Path.Combine(runner._settings.RunDirectory, "raw", boot.Scenario.Id, $"console-{boot.Number}.log");

        public ConsoleInput Input { get; } = new();

        public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

        public List<IReadOnlyDictionary<string, string>> L2Facts { get; } = [];

        public Dictionary<string, string> TransferFailures { get; } = new(StringComparer.Ordinal);

        private Dictionary<string, string> Received { get; } = new(StringComparer.Ordinal); // unit name → sha256

        /// <summary>Where each unit ran on the boot's time line (seconds since L1's QEMU started), by unit name.</summary>
        public System.Collections.Concurrent.ConcurrentDictionary<string, (double Start, double End)> Windows { get; } = new(StringComparer.Ordinal);

        // L2's units end in L2's uptime; L1 relays one of L2's phases as it happens, which ties the two clocks.
        private readonly List<StatusEvent> _l2Statuses = [];
        private readonly Dictionary<string, double> _l2Uptimes = new(StringComparer.Ordinal);
        private readonly Dictionary<string, double> _l1Stamps = new(StringComparer.Ordinal);

        /// <summary>
        /// Adds L2's units to <see cref="Windows"/> once L2's console has arrived: its uptime is tied to L0's clock by
        /// the phase L1 relayed as it happened (<c>l2-serving</c> for L2's <c>serving</c>, <c>l2-ready</c> for its READY).
        /// Units of an L2 boot without either stay without a window.
        /// </summary>
        public void PlaceL2Units()
        {
            var anchor = new[] { ("l2-serving", "serving"), ("l2-ready", "ready") }
                .Where(a => _l1Stamps.ContainsKey(a.Item1) && _l2Uptimes.ContainsKey(a.Item2))
                .Select(a => (double?)(_l1Stamps[a.Item1] - _l2Uptimes[a.Item2]))
                .FirstOrDefault();
            foreach (var status in _l2Statuses)
            {
                if (anchor is { } offset && status.UptimeSeconds is { } end)
                {
                    Windows[status.Unit] = (offset + end - status.Seconds, offset + end);
                }
            }
        }

        public async Task OnEventAsync(ConsoleEvent e, string origin)
        {
            switch (e)
            {
                case EdgeEvent edge when origin.Length == 0 && runner._settings.Counters:
                    Counters.OnEdge(edge);
                    break;
                case FactEvent fact:
                    Facts[origin + fact.Key] = fact.Value;
                    if (fact.Key.StartsWith("unavailable.", StringComparison.Ordinal) && Find(boot, fact.Key["unavailable.".Length..]) is { } missing)
                    {
                        await runner.RecordAsync(missing, new UnitRecord(UnitState.Unavailable, boot.Number, null, null, null, [$"{origin}{fact.Value}"]));
                    }

                    break;
                case FileEvent file when ConsoleTranscript.IsNestedConsole(file.Name):
                    await OnNestedConsoleAsync(file, origin);
                    break;
                case FileEvent file when file.Name.EndsWith(".txt", StringComparison.Ordinal) && Find(boot, file.Name[..^4]) is { } unit:
                    AtomicFile.WriteAllBytes(Path.Combine(runner._settings.RunDirectory, unit.RawPath), file.Content);
                    Received[file.Name[..^4]] = Hashing.Sha256Of(file.Content);
                    break;
                case TransferFailedEvent failed:
                    TransferFailures[failed.Name.EndsWith(".txt", StringComparison.Ordinal) ? failed.Name[..^4] : failed.Name] = $"{origin}transfer failed: {failed.Reason}";
                    break;
                case StatusEvent status when Find(boot, status.Unit) is { } unit:
                    if (origin.Length == 0)
                    {
                        var end = timeline.Elapsed.TotalSeconds;
                        Windows[status.Unit] = (end - status.Seconds, end);
                    }
                    else
                    {
                        _l2Statuses.Add(status);
                    }

                    await runner.RecordAsync(unit, runner.Judge(boot, status.Unit, status.ExitCode, status.Seconds, Received.GetValueOrDefault(status.Unit), origin, "VM") with { Counters = Counters.Of(status.Unit) });
                    break;
                case PhaseEvent phase when origin.Length == 0:
                    _l1Stamps[phase.Name] = timeline.Elapsed.TotalSeconds;
                    break;
                case PhaseEvent phase when phase.UptimeSeconds is { } uptime:
                    _l2Uptimes[phase.Name] = uptime;
                    break;
                case ReadyEvent { UptimeSeconds: { } uptime } when origin.Length > 0:
                    _l2Uptimes["ready"] = uptime;
                    break;
                case ServeEvent serve when origin.Length == 0:
                    // The console must keep streaming while the clients run (a full pipe would stall the VM's serial line).
                    _clients = Task.Run(() => RunClientsAsync(serve, _clientsStop.Token));
                    break;
            }
        }

        /// <summary>Waits for L0's clients; when the VM ended before they did, they are stopped first.</summary>
        public async Task ClientsFinishedAsync()
        {
            if (!_clients.IsCompleted)
            {
                await _clientsStop.CancelAsync();
            }

            try
            {
                await _clients;
            }
            catch (OperationCanceledException)
            {
                // their units stay pending (interrupted) or are recorded as failed with the boot
            }
        }

        private async Task OnNestedConsoleAsync(FileEvent file, string origin)
        {
            var name = $"console-{boot.Number}-{Path.GetFileNameWithoutExtension(file.Name).Replace("console-", "l2-", StringComparison.Ordinal)}.log";
            var text = Encoding.UTF8.GetString(file.Content);
            await AtomicFile.WriteAllTextAsync(Path.Combine(runner._settings.RunDirectory, "raw", boot.Scenario.Id, name), text, CancellationToken.None);
            var nested = ConsoleReader.ReadAll(text);
            L2Facts.Add(ConsoleTranscript.FromEvents(nested).Facts);
            foreach (var inner in nested)
            {
                await OnEventAsync(inner, origin + "l2: ");
            }
        }

        /// <summary>Runs the boot's network suites from L0 against the serving layer, saves each unit, then lets the VM go on.</summary>
        private async Task RunClientsAsync(ServeEvent serve, CancellationToken cancellationToken)
        {
            var expected = boot.Scenario.Measured == Layer.L2 ? JobScript.L2Address : JobScript.L1Address;
            var target = new SuiteTarget(boot.Scenario.GuestCpus(runner._plan.Topology), expected);
            foreach (var suite in boot.Suites.Where(s => s.IsNetwork))
            {
                var unit = new LabUnit(boot.Scenario.Id, suite.Id, boot.Repeat);
                if (runner._client is null)
                {
                    await runner.RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, ["no network client on L0 (the lab was started without one)"]));
                    continue;
                }

                if (serve.Address != expected)
                {
                    await runner.RecordAsync(unit, new UnitRecord(UnitState.Failed, boot.Number, null, null, null, [$"the VM served on {serve.Address}, the scenario's server is {expected}"]));
                    continue;
                }

                // Every layer's counters outside the client's run: L0's, then L1's and L2's (the VM's EDGE says they are read).
                var name = boot.UnitName(suite);
                var counted = runner._settings.Counters;
                if (counted)
                {
                    Counters.Read(name, "start");
                    await Counters.AskAsync(name, "start", cancellationToken);
                }

                timeline.Mark($"client {suite.Id}");
                var start = timeline.Elapsed.TotalSeconds;
                var run = await runner._client.RunAsync(suite.Command(target), suite.Timeout, cancellationToken);
                Windows[name] = (start, timeline.Elapsed.TotalSeconds);
                timeline.Mark($"client {suite.Id} done");
                if (counted)
                {
                    await Counters.AskAsync(name, "end", cancellationToken);
                    Counters.Read(name, "end");
                }

                AtomicFile.WriteAllBytes(Path.Combine(runner._settings.RunDirectory, unit.RawPath), run.Output);
                await runner.RecordAsync(unit, runner.Judge(boot, name, run.ExitCode, Math.Round(run.Duration.TotalSeconds, 2), Hashing.Sha256Of(run.Output), "", "L0 client") with { Counters = Counters.Of(name) });
            }

            timeline.Mark("go");
            Input.Send(ConsoleInput.Go);
        }
    }
}
