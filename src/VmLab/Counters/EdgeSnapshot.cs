using System.Globalization;
using System.Text.Json;
using VmLab.Lab.Vm;

namespace VmLab.Counters;

/// <summary>
/// What one layer read at one edge of a unit (its COUNT lines, docs/PROTOCOL.md, "Counters"), as numbers by name:
/// the measured system's (<c>stat</c>, <c>vmstat</c>, <c>softirqs</c>, <c>snmp</c>, <c>meminfo</c>: names
/// <c>sys.*</c>) and L1's about L2 (<c>qemu</c>, <c>thread</c>, <c>vhost</c>, <c>smaps</c>, <c>kvm</c>: names
/// <c>l1.*</c>). <c>uptime</c> is the layer's clock, <c>sys.seconds</c> or <c>l1.seconds</c>.
/// </summary>
public sealed class EdgeSnapshot
{
    /// <summary>Cumulative counters: the unit's value is end − start.</summary>
    public Dictionary<string, double> Counters { get; } = new(StringComparer.Ordinal);

    /// <summary>Levels (kB of huge pages): the unit's value is the end's, and end − start as <c>NAME.delta</c>.</summary>
    public Dictionary<string, double> Levels { get; } = new(StringComparer.Ordinal);

    /// <summary>Why a group could not be read (<c>l1.kvm</c>: QMP did not answer), by group.</summary>
    public Dictionary<string, string> Missing { get; } = new(StringComparer.Ordinal);

    /// <summary>L2's QEMU as L1 read it; null when the lines are not there.</summary>
    public ProcessSample? Qemu { get; private set; }

    /// <summary>The vhost workers L1 found (kernel threads <c>vhost-PID</c>).</summary>
    public List<TaskStat> Vhost { get; } = [];

    /// <summary>Whether any line was about the measured system, and whether any was L1's about L2.</summary>
    public bool HasSystem { get; private set; }

    public bool HasL1 { get; private set; }

    /// <summary>The fields of /proc/stat's cpu lines, in order (USER_HZ ticks).</summary>
    public static readonly string[] CpuFields = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"];

    /// <summary>Reads the COUNT lines of one edge of one console.</summary>
    public static EdgeSnapshot Of(IEnumerable<CountEvent> lines)
    {
        var snapshot = new EdgeSnapshot();
        var list = lines.ToList();
        var system = list.Any(l => l.Source is "stat" or "vmstat" or "softirqs" or "snmp" or "meminfo");
        TaskStat? process = null;
        var threads = new List<TaskStat>();
        var tcpHeader = (string[]?)null;
        foreach (var line in list)
        {
            var words = line.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            switch (line.Source)
            {
                case "uptime" when words.Length > 0 && Number(words[0]) is { } up:
                    snapshot.Counters[system ? "sys.seconds" : "l1.seconds"] = up;
                    break;
                case "stat" when words.Length >= 2 && words[0].StartsWith("cpu", StringComparison.Ordinal):
                    for (var i = 0; i < CpuFields.Length && i + 1 < words.Length; i++)
                    {
                        if (Number(words[i + 1]) is { } ticks)
                        {
                            snapshot.Counters[$"sys.{(words[0] == "cpu" ? "cpu" : words[0])}.{CpuFields[i]}"] = ticks / TaskStat.TicksPerSecond;
                        }
                    }

                    break;
                case "stat" or "vmstat" when words.Length >= 2 && Number(words[1]) is { } n:
                    snapshot.Counters[$"sys.{words[0]}"] = n;
                    break;
                case "softirqs" when words.Length >= 2 && words[0] is "NET_TX:" or "NET_RX:":
                    snapshot.Counters[$"sys.softirq.{words[0][..^1].ToLowerInvariant()}"] = words.Skip(1).Sum(w => Number(w) ?? 0);
                    break;
                case "snmp" when words.Length > 1 && words[0] == "Tcp:":
                    if (words.Skip(1).All(w => Number(w) is null))
                    {
                        tcpHeader = words;
                    }
                    else if (tcpHeader is not null)
                    {
                        foreach (var (field, name) in new[] { ("InSegs", "in_segs"), ("OutSegs", "out_segs"), ("RetransSegs", "retrans_segs") })
                        {
                            var at = Array.IndexOf(tcpHeader, field);
                            if (at > 0 && at < words.Length && Number(words[at]) is { } v)
                            {
                                snapshot.Counters[$"sys.tcp.{name}"] = v;
                            }
                        }
                    }

                    break;
                case "meminfo" or "smaps" when words.Length >= 2 && words[0] == "AnonHugePages:" && Number(words[1]) is { } kb:
                    snapshot.Levels[line.Source == "smaps" ? "l1.qemu.anon_huge_kb" : "sys.anon_huge_kb"] = kb;
                    break;
                case "qemu":
                    process = TaskStat.Parse(line.Text);
                    break;
                case "thread" when TaskStat.Parse(line.Text) is { } thread:
                    threads.Add(thread);
                    break;
                case "vhost" when TaskStat.Parse(line.Text) is { } worker:
                    snapshot.Vhost.Add(worker);
                    break;
                case "kvm":
                    snapshot.ReadKvm(line.Text);
                    break;
                case "kvm-unavailable":
                    snapshot.Missing["l1.kvm"] = line.Text;
                    break;
            }

            snapshot.HasSystem |= line.Source is "stat" or "vmstat" or "softirqs" or "snmp" or "meminfo";
            snapshot.HasL1 |= line.Source is "qemu" or "thread" or "vhost" or "smaps" or "kvm" or "kvm-unavailable";
        }

        snapshot.Qemu = process is null ? null : new ProcessSample(process, threads);
        return snapshot;
    }

    /// <summary>QEMU's query-stats answer for the vCPUs: each KVM counter summed over them (<c>l1.kvm.exits</c>), and the vCPU count.</summary>
    private void ReadKvm(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var vcpus = 0;
            foreach (var vcpu in document.RootElement.GetProperty("return").EnumerateArray())
            {
                vcpus++;
                foreach (var stat in vcpu.GetProperty("stats").EnumerateArray())
                {
                    if (stat.GetProperty("value") is { ValueKind: JsonValueKind.Number } value)
                    {
                        var name = $"l1.kvm.{stat.GetProperty("name").GetString()}";
                        Counters[name] = Counters.GetValueOrDefault(name) + value.GetDouble();
                    }
                }
            }

            Levels["l1.kvm.vcpus"] = vcpus;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            Missing["l1.kvm"] = $"QEMU's query-stats answer is not what the lab reads ({ex.Message})";
        }
    }

    private static double? Number(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;
}
