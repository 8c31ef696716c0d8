package org.bpf4j.vm.run;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.VmProgram;

/**
 * Runs a packet program over every packet of a capture, one {@link TestRun} per packet on the same
 * loaded program (so its maps accumulate), counting the verdicts and keeping the packets that go
 * on: for XDP those passed ({@code XDP_PASS}) or sent back ({@code XDP_TX}); for tc those with
 * {@code TC_ACT_OK}, {@code TC_ACT_UNSPEC} or {@code TC_ACT_PIPE}; for socket filters the packets
 * the program keeps (cut to the length it returns); for cgroup_skb the ones it allows. The kept
 * packets are the program's {@code data_out}. A packet the test run refuses (too short, ...) is
 * counted under {@code refused}.
 */
public final class PcapRun {
    private PcapRun() {}

    /**
     * What a capture run gives.
     *
     * @param verdicts the number of packets per verdict name, in first-seen order
     * @param kept     the packets that go on, with the program's changes
     * @param packets  the number of packets run
     */
    public record Result(Map<String, Integer> verdicts, List<Pcap.Packet> kept, int packets) {
        /** Copies the collections. */
        public Result {
            verdicts = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(verdicts));
            kept = List.copyOf(kept);
        }
    }

    /** Runs {@code program} (of {@code type}, for {@code attach}) over {@code packets}. */
    public static Result run(VmProgram program, ProgramType type, Optional<AttachType> attach, List<Pcap.Packet> packets) {
        Map<String, Integer> verdicts = new LinkedHashMap<>();
        List<Pcap.Packet> kept = new ArrayList<>();
        for (Pcap.Packet p : packets) {
            TestRunResult r;
            try {
                r = TestRun.run(program, type, attach, TestRunInput.of(p.data()));
            } catch (TestRunException e) {
                verdicts.merge("refused", 1, Integer::sum);
                continue;
            }
            long v = r.retval();
            verdicts.merge(verdictName(type, v), 1, Integer::sum);
            byte[] out = r.data();
            boolean keep = switch (type) {
                case XDP -> v == 2 || v == 3;
                case SCHED_CLS, SCHED_ACT -> v == 0 || v == 0xffff_ffffL || v == 3;
                case SOCKET_FILTER -> {
                    if (v > 0 && v < out.length) {
                        out = Arrays.copyOf(out, (int) v);
                    }
                    yield v > 0;
                }
                case CGROUP_SKB -> (v & 1) != 0;
                default -> v != 0;
            };
            if (keep) {
                kept.add(new Pcap.Packet(p.timestampNanos(), out, out.length == p.data().length ? p.originalLength()
                        : out.length, p.linkType()));
            }
        }
        return new Result(verdicts, kept, packets.size());
    }

    /** The name of a program's return value: {@code XDP_PASS}, {@code TC_ACT_SHOT}, ... or the number. */
    public static String verdictName(ProgramType type, long retval) {
        int v = (int) retval;
        return switch (type) {
            case XDP -> switch (v) {
                case 0 -> "XDP_ABORTED";
                case 1 -> "XDP_DROP";
                case 2 -> "XDP_PASS";
                case 3 -> "XDP_TX";
                case 4 -> "XDP_REDIRECT";
                default -> Long.toString(retval);
            };
            case SCHED_CLS, SCHED_ACT -> switch (v) {
                case -1 -> "TC_ACT_UNSPEC";
                case 0 -> "TC_ACT_OK";
                case 1 -> "TC_ACT_RECLASSIFY";
                case 2 -> "TC_ACT_SHOT";
                case 3 -> "TC_ACT_PIPE";
                case 4 -> "TC_ACT_STOLEN";
                case 5 -> "TC_ACT_QUEUED";
                case 6 -> "TC_ACT_REPEAT";
                case 7 -> "TC_ACT_REDIRECT";
                default -> Long.toString(retval);
            };
            case SOCKET_FILTER -> v == 0 ? "drop" : "keep";
            case CGROUP_SKB -> (v & 1) != 0 ? "allow" : "deny";
            default -> Long.toString(retval);
        };
    }
}
