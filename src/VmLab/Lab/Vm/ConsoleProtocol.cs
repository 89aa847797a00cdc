using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using System.Text;

namespace VmLab.Lab.Vm;

/// <summary>Something the VM said on its console (docs/PROTOCOL.md, "Results out: console markers").</summary>
public abstract record ConsoleEvent;

/// <summary><c>@@VMLAB:READY layer=l1 uptime=0.64@@</c>: init finished.</summary>
public sealed record ReadyEvent(string Layer, double? UptimeSeconds) : ConsoleEvent;

/// <summary><c>@@VMLAB:FACT key=value@@</c>: one fact about the running system.</summary>
public sealed record FactEvent(string Key, string Value) : ConsoleEvent;

/// <summary>A file block received whole: size and sha256 verified.</summary>
public sealed record FileEvent(string Name, byte[] Content) : ConsoleEvent;

/// <summary>A file block that was cut off (the VM died) or failed verification; its unit's transfer failed.</summary>
public sealed record TransferFailedEvent(string Name, string Reason) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:STATUS hackbench/1 rc=0 seconds=3.05 uptime=41.20@@</c>: a unit finished in the VM. The uptime (absent
/// from consoles before it was added) places the unit's end in its own VM's boot, so L0 can tell what else ran on L0
/// meanwhile even for L2's units, whose console arrives only at the end of the boot.
/// </summary>
public sealed record StatusEvent(string Unit, int ExitCode, double Seconds, double? UptimeSeconds = null) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:SERVE server=l2 address=192.168.0.105@@</c>: the measured system's servers (netserver, apache2) are up
/// and the job waits, idle, until L0 has run the network clients against <paramref name="Address"/> and written
/// <see cref="ConsoleInput.Go"/> to the console (docs/PROTOCOL.md, "Network suites").
/// </summary>
/// <param name="Server">The layer serving: <c>l1</c> (host scenario) or <c>l2</c>.</param>
public sealed record ServeEvent(string Server, string Address) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:PHASE l2-start uptime=6.41@@</c>: the job reached a point of its time line (docs/PROTOCOL.md, "Time
/// line"). Only the time it arrives matters to L0; the uptime places a nested console's phases in its own boot.
/// </summary>
public sealed record PhaseEvent(string Name, double? UptimeSeconds) : ConsoleEvent;

/// <summary><c>@@VMLAB:DONE rc=0@@</c>: the job finished; poweroff follows.</summary>
public sealed record DoneEvent(int ExitCode) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:COUNT hackbench/1 start stat ctxt 3057235@@</c>: one line a layer read for a unit's counters at one of
/// its edges (docs/PROTOCOL.md, "Counters"): the source (<c>stat</c>, <c>vmstat</c>, <c>thread</c>, <c>kvm</c>, …)
/// and the text read, whose fields are the file's.
/// </summary>
public sealed record CountEvent(string Unit, string Edge, string Source, string Text) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:EDGE hackbench/1 start@@</c>: the layer whose console says it has read its counters for that edge of the
/// unit. On L1's console it is L0's cue to read its own side (L1's QEMU threads) and, for a network unit, to start
/// or end its client.
/// </summary>
public sealed record EdgeEvent(string Unit, string Edge) : ConsoleEvent;

/// <summary>
/// <c>@@VMLAB:SNAP hackbench/1 start@@</c>: L2 asks L1 for L1's counters at an edge of a CPU unit and waits for L1's
/// answer on its control port; only in L2's console.
/// </summary>
public sealed record SnapEvent(string Unit, string Edge) : ConsoleEvent;

/// <summary>
/// Reads a console line by line as it streams out of QEMU and turns the markers into <see cref="ConsoleEvent"/>s.
/// Everything that is not a marker is console noise, left to the console log and the console scan.
/// </summary>
/// <remarks>
/// Inside a file block, a line that cannot be base64 (a kernel message printed while the job was sending, e.g.
/// "[  12.3] rcu: INFO ...") is noise, not data: base64 has no spaces or brackets. A noise line that lands in the
/// middle of a data line breaks it; the sha256 check then reports that block, and only that block, as failed.
/// </remarks>
public sealed partial class ConsoleReader
{
    private const string Prefix = "@@VMLAB:";
    private string? _blockName;
    private long _blockSize;
    private string _blockSha256 = "";
    private readonly StringBuilder _blockData = new();

    /// <summary>Feeds one console line (without its line ending; a trailing CR from the serial line is ignored).</summary>
    /// <returns>The events this line completes (usually none or one).</returns>
    public IReadOnlyList<ConsoleEvent> Feed(string line)
    {
        line = line.TrimEnd('\r', '\n');
        if (!line.StartsWith(Prefix, StringComparison.Ordinal) || !line.EndsWith("@@", StringComparison.Ordinal) || line.Length < Prefix.Length + 2)
        {
            if (_blockName is not null && IsBase64Line(line))
            {
                _blockData.Append(line);
            }

            return [];
        }

        var body = line[Prefix.Length..^2];
        var space = body.IndexOf(' ');
        var verb = space < 0 ? body : body[..space];
        var rest = space < 0 ? "" : body[(space + 1)..];
        var events = new List<ConsoleEvent>();
        if (_blockName is not null && verb != "END")
        {
            // A marker inside a block means the sender started something else: the block was cut off.
            events.Add(new TransferFailedEvent(_blockName, $"the block was interrupted by '{line}'"));
            _blockName = null;
        }

        var marker = verb switch
        {
            "READY" => Ready(Fields(rest)),
            "FACT" => rest.IndexOf('=') is > 0 and var eq ? new FactEvent(rest[..eq], rest[(eq + 1)..]) : null,
            "BEGIN" => Begin(rest, line),
            "END" => _blockName is null ? null : CloseBlock(rest.Trim()),
            "STATUS" => Status(rest),
            "PHASE" => Phase(rest),
            "SERVE" => Serve(Fields(rest)),
            "DONE" => new DoneEvent(int.TryParse(Fields(rest).GetValueOrDefault("rc"), CultureInfo.InvariantCulture, out var rc) ? rc : -1),
            "COUNT" => Count(rest),
            "EDGE" => UnitEdge(rest) is var (unit, edge) ? new EdgeEvent(unit, edge) : null,
            "SNAP" => UnitEdge(rest) is var (unit, edge) ? new SnapEvent(unit, edge) : null,
            _ => null,
        };
        if (marker is not null)
        {
            events.Add(marker);
        }

        return events;
    }

    /// <summary>Opens a file block; a malformed or unsafe header is that block's transfer failure.</summary>
    private TransferFailedEvent? Begin(string rest, string line)
    {
        var begin = BeginPattern().Match(rest);
        if (!begin.Success || !IsSafeName(begin.Groups["name"].Value))
        {
            return new TransferFailedEvent(rest.Split(' ')[0], $"malformed or unsafe block header '{line}'");
        }

        _blockName = begin.Groups["name"].Value;
        _blockSize = long.Parse(begin.Groups["size"].Value, CultureInfo.InvariantCulture);
        _blockSha256 = begin.Groups["sha"].Value.ToLowerInvariant();
        _blockData.Clear();
        return null;
    }

    private static ReadyEvent Ready(Dictionary<string, string> fields) =>
        new(fields.GetValueOrDefault("layer", "?"), Number(fields.GetValueOrDefault("uptime")));

    private static ServeEvent Serve(Dictionary<string, string> fields) =>
        new(fields.GetValueOrDefault("server", "?"), fields.GetValueOrDefault("address", "?"));

    private static StatusEvent? Status(string rest)
    {
        var status = StatusPattern().Match(rest);
        return status.Success
            ? new StatusEvent(status.Groups["unit"].Value, int.Parse(status.Groups["rc"].Value, CultureInfo.InvariantCulture), Number(status.Groups["seconds"].Value) ?? 0, Number(status.Groups["uptime"].Value))
            : null;
    }

    private static PhaseEvent? Phase(string rest)
    {
        var parts = rest.Split(' ', 2);
        return parts[0].Length == 0 ? null : new PhaseEvent(parts[0], Number(Fields(parts.Length > 1 ? parts[1] : "").GetValueOrDefault("uptime")));
    }

    private static CountEvent? Count(string rest)
    {
        var parts = rest.Split(' ', 4);
        return parts.Length >= 3 && IsEdge(parts[1]) && parts[0].Length > 0 && parts[2].Length > 0
            ? new CountEvent(parts[0], parts[1], parts[2], parts.Length > 3 ? parts[3] : "")
            : null;
    }

    private static (string Unit, string Edge)? UnitEdge(string rest) =>
        rest.Split(' ') is [{ Length: > 0 } unit, var edge] && IsEdge(edge) ? (unit, edge) : null;

    private static bool IsEdge(string edge) => edge is "start" or "end";

    /// <summary>Call when the console ends: a block still open was cut off (the VM died or was killed).</summary>
    public IReadOnlyList<ConsoleEvent> Complete()
    {
        if (_blockName is null)
        {
            return [];
        }

        var failed = new TransferFailedEvent(_blockName, $"the console ended inside the block after {_blockData.Length} base64 characters (the VM stopped)");
        _blockName = null;
        return [failed];
    }

    /// <summary>Parses a whole console text (a saved log, or a nested L2 console) at once.</summary>
    public static IReadOnlyList<ConsoleEvent> ReadAll(string console)
    {
        var reader = new ConsoleReader();
        var events = new List<ConsoleEvent>();
        foreach (var line in console.Split('\n'))
        {
            events.AddRange(reader.Feed(line));
        }

        events.AddRange(reader.Complete());
        return events;
    }

    private ConsoleEvent CloseBlock(string endName)
    {
        var name = _blockName!;
        _blockName = null;
        if (endName != name)
        {
            return new TransferFailedEvent(name, $"the block ended as '{endName}'");
        }

        byte[] content;
        try
        {
            content = Convert.FromBase64String(_blockData.ToString());
        }
        catch (FormatException)
        {
            return new TransferFailedEvent(name, "the block's data is not valid base64 (a console line was garbled)");
        }

        if (content.Length != _blockSize)
        {
            return new TransferFailedEvent(name, $"received {content.Length} bytes, the sender announced {_blockSize}");
        }

        var sha = Convert.ToHexStringLower(SHA256.HashData(content));
        return sha == _blockSha256
            ? new FileEvent(name, content)
            : new TransferFailedEvent(name, $"sha256 {sha} does not match the announced {_blockSha256}");
    }

    /// <summary>A relative path with '/' separators and no '..', so a block can never write outside the run directory.</summary>
    internal static bool IsSafeName(string name) =>
        name.Length > 0 && !name.StartsWith('/') && !name.Contains('\\') &&
        name.Split('/').All(part => part.Length > 0 && part != "." && part != "..");

    private static bool IsBase64Line(string line) =>
        line.Length > 0 && line.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=');

    private static Dictionary<string, string> Fields(string text) =>
        text.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(f => f.Split('=', 2))
            .Where(kv => kv.Length == 2)
            .GroupBy(kv => kv[0])
            .ToDictionary(g => g.Key, g => g.First()[1]);

    private static double? Number(string? text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) ? n : null;

    [GeneratedRegex(@"^(?<name>\S+) size=(?<size>\d+) sha256=(?<sha>[0-9a-fA-F]{64})$")]
    private static partial Regex BeginPattern();

    [GeneratedRegex(@"^(?<unit>\S+) rc=(?<rc>-?\d+) seconds=(?<seconds>[0-9.]+)( uptime=(?<uptime>[0-9.]+))?$")]
    private static partial Regex StatusPattern();
}

/// <summary>
/// Everything one boot's console said, with nested consoles (L1 sends L2's console back as a block named
/// <c>l2/console-&lt;n&gt;.log</c>) parsed the same way, recursively.
/// </summary>
/// <param name="Events">This console's events in order.</param>
/// <param name="Nested">Nested consoles by the block name that carried them.</param>
public sealed record ConsoleTranscript(IReadOnlyList<ConsoleEvent> Events, IReadOnlyDictionary<string, ConsoleTranscript> Nested)
{
    /// <summary>Whether a file block name carries a nested console.</summary>
    public static bool IsNestedConsole(string name) => NestedPattern.IsMatch(name);

    private static readonly Regex NestedPattern = new(@"^l2/console-\d+\.log$", RegexOptions.CultureInvariant);

    /// <summary>Parses <paramref name="console"/> and every nested console inside it.</summary>
    public static ConsoleTranscript Parse(string console) => FromEvents(ConsoleReader.ReadAll(console));

    /// <summary>Builds the transcript of events already read (by a streaming <see cref="ConsoleReader"/>).</summary>
    public static ConsoleTranscript FromEvents(IReadOnlyList<ConsoleEvent> events) =>
        new(events, events.OfType<FileEvent>()
            .Where(f => IsNestedConsole(f.Name))
            .ToDictionary(f => f.Name, f => Parse(Encoding.UTF8.GetString(f.Content)), StringComparer.Ordinal));

    /// <summary>True when the job reached its end (DONE is the last marker; without it the VM hung or crashed).</summary>
    public bool Finished => Events.OfType<DoneEvent>().Any();

    /// <summary>The facts, the last value winning when a key repeats.</summary>
    public IReadOnlyDictionary<string, string> Facts =>
        Events.OfType<FactEvent>().GroupBy(f => f.Key).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
}

/// <summary>
/// Lines L0 types into a VM's serial console (QEMU's stdin with <c>-serial stdio</c>): the only way back into a VM
/// that has no network to the outside. The job reads them with <c>head -n 1</c> from its console.
/// </summary>
public sealed class ConsoleInput
{
    /// <summary>The line that ends a <see cref="ServeEvent"/>: L0's clients are done, the job may go on.</summary>
    public const string Go = "vmlab-go";

    /// <summary>
    /// The line that asks a serving VM for every layer's counters at an edge (<c>start</c> or <c>end</c>) of network
    /// unit <paramref name="unit"/>; L1 answers with an <see cref="EdgeEvent"/> (docs/PROTOCOL.md, "Counters").
    /// </summary>
    public static string Snap(string unit, string edge) => $"vmlab-snap {unit} {edge}";

    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();

    /// <summary>Queues <paramref name="line"/> for the console (a line ending is added).</summary>
    public void Send(string line) => _lines.Writer.TryWrite(line);

    /// <summary>The source QEMU's stdin is fed from: each queued line as it comes, until the VM ends.</summary>
    public CliWrap.PipeSource Source => CliWrap.PipeSource.Create(async (destination, cancellationToken) =>
    {
        await foreach (var line in _lines.Reader.ReadAllAsync(cancellationToken))
        {
            await destination.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), cancellationToken);
            await destination.FlushAsync(cancellationToken);
        }
    });
}
