using VmLab.Suites;
using static VmLab.Why.Change;
using static VmLab.Why.HypothesisSource;

namespace VmLab.Why;

/// <summary>
/// The hypotheses every run tests, declared here before any run (issue 24, item 3): the 2023 report's own
/// explanations, quoted verbatim from the seed (lines 105, 211, 212 and 525 of
/// <c>shared/seeds/000_3c724d184192970a.txt</c>; <c>tests/VmLab.Tests/fixtures/seed-2023/prose/explanations.txt</c> holds
/// them), and the textbook accounts of each factor. Each names the metrics that would support it and which way they
/// would move from the question's A to its B; the run's hypotheses family (the predicted metrics, one Holm family per question) decides (<see cref="HypothesisVerdict"/>).
/// Directions are B against A: Q1 UP against SMP, Q2 THP never against always, Q3 vhost off against on, Q4 the guest
/// against the host.
/// </summary>
public static class Hypotheses
{
    private static readonly string Stream = $"{NetperfParser.Id} TCP_STREAM";
    private static readonly string Rr = $"{NetperfParser.Id} TCP_RR";

    /// <summary>Every hypothesis, in question order.</summary>
    public static IReadOnlyList<Hypothesis> All { get; } =
    [
        new("2023-scheduling", "Q1", Study2023,
            "SMP's higher system time is the cost of scheduling on several CPUs: with one vCPU the kernel spends less time per operation.",
            "我猜測可能是因為多核心系統多了不少 scheduling 的成本, 因此雖然整體減少了切換的成本, 但核心計算的時間卻會少許提升。", 105,
            "I guess it is because a multi-core system adds a good deal of scheduling cost: so although switching costs less overall, the time computing in the kernel rises a little.",
            [new("system_s", Down, KernbenchParser.Id), new("sys_system_us_per_op", Down, KernbenchParser.Id, HackbenchParser.Id)],
            "system time per operation significantly higher with one vCPU, or the same within the margin"),
        new("textbook-up", "Q1", Textbook,
            "A uniprocessor guest sends no IPIs and contends for no locks across CPUs: fewer interrupts, context switches and exits per operation.",
            null, null, null,
            [new("intr_per_op", Down), new("ctxt_per_op", Down), new("kvm_exits_per_op", Down)],
            "interrupts, context switches or exits per operation significantly higher with one vCPU, or the same within the margin"),
        new("textbook-thp", "Q2", Textbook,
            "THP in L1 backs L2's memory with huge pages, so L1's KVM takes fewer stage-2 faults on it: without THP less of L2's memory is in huge pages and L2's vCPUs exit more per operation.",
            null, null, null,
            [new("l2_huge_page_share", Down), new("kvm_exits_per_op", Up)],
            "as much of L2's memory in huge pages without THP, or as many or fewer exits per operation without it (significantly fewer, or the same within the margin)"),
        new("2023-vring", "Q3", Study2023,
            "For a stream, vhost adds a hop (the vring between the guest and the vhost worker) that costs more than it saves: without vhost, L1 spends less CPU per MB on L2's network.",
            "我猜測使用 stream 時因為只要建立連線就可以持續傳輸, 所以在不啟用 vhost 下也沒有太多的模式切換, 使用了 vhost 反而新增了 vring 作為媒介, 整體反而更慢。", 211,
            "I guess that with a stream, once the connection is up it transmits continuously, so even without vhost there are not many mode switches; using vhost instead adds the vring as a medium, and overall it is slower.",
            [new("l1_io_us_per_op", Down, Stream)],
            "L1's CPU per MB for L2's devices significantly higher without vhost, or the same within the margin"),
        new("2023-mode-switches", "Q3", Study2023,
            "For request/response, vhost cuts the mode switches each I/O event needs: without vhost, L2's vCPUs exit more per transaction, and more of the exits go to QEMU in user space.",
            "反而 REQUEST/RESPONSE 有明確的許多 IO 事件, 每次事件都要包含一組模式切換, 透過 vhost 可以大量的減少模式切換次數", 212,
            "REQUEST/RESPONSE, on the other hand, has many distinct I/O events, each with its own set of mode switches, and vhost can greatly reduce the number of mode switches",
            [new("kvm_exits_per_op", Up, Rr), new("kvm_mmio_user_per_op", Up, Rr)],
            "exits per transaction significantly lower without vhost, or the same within the margin"),
        new("textbook-vhost", "Q3", Textbook,
            "vhost moves virtio-net's data path from QEMU's main loop into a kernel thread: without it, QEMU's main loop works more per operation, the vhost workers not at all.",
            null, null, null,
            [new("l2_qemu_main_us_per_op", Up, Stream, Rr, ApacheBenchParser.Id), new("main_loop_share", Up, Stream, Rr, ApacheBenchParser.Id), new("vhost_us_per_op", Down, Stream, Rr, ApacheBenchParser.Id)],
            "QEMU's main loop working as much or less per operation without vhost (significantly less, or the same within the margin)"),
        new("2023-emulation", "Q4", Study2023,
            "The guest copies files faster than the host because the host (L1, emulated by QEMU/TCG) suffers from emulation defects: UnixBench's file copy indices are higher in the guest.",
            "在 COPY 類型指令部分, 或許是由於 host VM 軟體模擬上的缺陷, 所以 guest VM 只要牽涉到 COPY 指令的操作都會快很多。", 525,
            "For copy-type work, perhaps because of defects in the host VM's software emulation, the guest VM is much faster at any operation that involves copying.",
            [
                new("file_copy_1024_bufsize_2000_maxblocks_index", Up, UnixBenchParser.Id),
                new("file_copy_256_bufsize_500_maxblocks_index", Up, UnixBenchParser.Id),
                new("file_copy_4096_bufsize_8000_maxblocks_index", Up, UnixBenchParser.Id),
            ],
            "a file copy index significantly lower in the guest, or the same within the margin"),
        new("textbook-exits", "Q4", Textbook,
            "Every KVM exit of the guest is work the host does not do: L1 handles it, and under TCG L0 pays for L1's handling. The host has no KVM below it, so the exits are counted in the guest only; their cost shows as L1's QEMU's CPU on L0 per operation.",
            null, null, null,
            [new("l0_qemu_us_per_op", Up)],
            "L1's QEMU on L0 spending significantly less, or the same within the margin, per operation in the guest than in the host"),
    ];

    /// <summary>The hypotheses about question <paramref name="question"/>.</summary>
    public static IReadOnlyList<Hypothesis> Of(string question) => All.Where(h => h.Question == question).ToList();
}
