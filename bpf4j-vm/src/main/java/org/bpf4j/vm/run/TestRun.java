package org.bpf4j.vm.run;

import java.util.Optional;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ContextLayout;
import org.bpf4j.spec.ContextLayouts;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.ContextRegion;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.LayoutContext;
import org.bpf4j.vm.PacketBuffer;
import org.bpf4j.vm.PacketContext;
import org.bpf4j.vm.VmProgram;

/**
 * {@code BPF_PROG_TEST_RUN} on the VM: runs a program over a packet and a context built as the
 * kernel's test run builds them (Linux 6.12, {@code net/bpf/test_run.c}), with the same refusals
 * of bad input and the same outputs.
 *
 * <ul>
 * <li>XDP: a 4096-byte frame with 256 bytes of headroom (less the metadata), 320 bytes reserved at
 * the end; {@code ctx_in} may set {@code data} (the metadata length), {@code data_end},
 * {@code ingress_ifindex} and {@code rx_queue_index}; without it {@code ingress_ifindex} is 1 (the
 * loopback device). {@code data_out} runs from the metadata to the end; bytes past
 * {@code data_end} or past 3,520 bytes are fragments the program cannot reach directly, only
 * through {@code bpf_xdp_get_buff_len}, {@code bpf_xdp_load_bytes} and {@code bpf_xdp_store_bytes},
 * and whose last one {@code bpf_xdp_adjust_tail} grows (within its 4096-byte page) or shrinks
 * (freeing emptied fragments, then the linear part).
 * <li>Socket-buffer programs (socket_filter, sched_cls, sched_act, cgroup_skb, lwt_*): the
 * Ethernet header gives {@code protocol} and {@code pkt_type}; tc programs see the packet from the
 * Ethernet header, the others from the network header, and for those {@code data_out} starts with
 * 14 zero bytes where the Ethernet header was, as in the kernel. {@code ctx_in} may set only
 * {@code mark}, {@code priority}, {@code ingress_ifindex}, {@code ifindex} (at most 1, the loopback
 * device), {@code cb}, {@code tstamp}, {@code wire_len}, {@code gso_segs}, {@code gso_size} and
 * {@code hwtstamp}.
 * <li>Any other program type with a fixed context layout: the VM runs it over {@code ctx_in}
 * (zero-padded to the struct) and gives the struct back; the kernel has no test run for most of
 * these (kprobe, tracepoint, perf_event), so this is the VM's own extension.
 * </ul>
 *
 * <p>Not modelled: live XDP frames, {@code BPF_F_TEST_SKB_CHECKSUM_COMPLETE}, devices other than
 * loopback. Thread-safe: each call uses its own execution.
 */
public final class TestRun {
    static final int EINVAL = 22, E2BIG = 7, ENODEV = 19, ENOTSUPP = 524;
    /** {@code PAGE_SIZE - NET_SKB_PAD - NET_IP_ALIGN - SKB_DATA_ALIGN(sizeof(struct skb_shared_info))} on x86-64. */
    static final int SKB_MAX_DATA = 4096 - 66 - 320;
    /** Headroom of a test run's socket buffer ({@code NET_SKB_PAD + NET_IP_ALIGN}). */
    static final int SKB_HEADROOM = 66;
    static final int ETH_HLEN = 14;

    private TestRun() {}

    /**
     * Runs {@code program}, loaded as a program of {@code type} with the expected attach type
     * {@code attach}, over {@code input}.
     *
     * @throws TestRunException when the kernel would refuse the input (with its errno)
     * @throws org.bpf4j.vm.VmTrapException when the program breaks a sandbox rule
     */
    public static TestRunResult run(VmProgram program, ProgramType type, Optional<AttachType> attach, TestRunInput input) {
        return switch (type) {
            case XDP -> Xdp.run(program, attach, input);
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT, CGROUP_SKB, LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL ->
                    Skb.run(program, type, attach, input);
            default -> generic(program, type, attach, input);
        };
    }

    private static TestRunResult generic(VmProgram program, ProgramType type, Optional<AttachType> attach, TestRunInput in) {
        ContextLayout layout = ContextLayouts.forProgram(type, attach).orElseThrow(() -> new TestRunException(ENOTSUPP,
                "the VM cannot test-run " + type.kernelName() + " programs: their context has no fixed layout"
                        + (attach.isEmpty() ? " (or the program needs an expected attach type)" : "")));
        byte[] ctx = new byte[layout.size()];
        if (in.context().isPresent()) {
            byte[] given = in.context().get();
            checkTailZero(given, ctx.length, layout.name());
            System.arraycopy(given, 0, ctx, 0, Math.min(given.length, ctx.length));
        }
        LayoutContext context = new LayoutContext(layout, ctx);
        Timed t = repeat(program, context, in.repeat());
        return new TestRunResult(t.retval, in.data(), Optional.of(context.bytes()), t.nanos, Optional.empty());
    }

    /** {@code bpf_check_uarg_tail_zero}: bytes past the struct must be zero. */
    static void checkTailZero(byte[] given, int size, String what) {
        for (int i = size; i < given.length; i++) {
            if (given[i] != 0) {
                throw new TestRunException(E2BIG, "ctx_in has " + given.length + " bytes, more than the " + size
                        + " of " + what + ", and byte " + i + " is not zero");
            }
        }
    }

    /** The result of the repeated runs. */
    record Timed(long retval, long nanos) {}

    /** Runs the program {@code repeat} times (at least once) over the same context; the last R0 and the mean time. */
    static Timed repeat(VmProgram program, ContextRegion context, int repeat) {
        int n = Math.max(1, repeat);
        Execution ex = program.newExecution();
        long r0 = 0;
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            r0 = ex.runWith(context);
        }
        long nanos = (System.nanoTime() - start) / n;
        return new Timed(r0 & 0xffff_ffffL, nanos);
    }

    static Optional<PacketContext.Redirect> redirect(PacketContext c) {
        return c.redirect();
    }

    static byte[] zeroPadded(Optional<byte[]> ctx, int size, String what) {
        byte[] out = new byte[size];
        ctx.ifPresent(given -> {
            checkTailZero(given, size, what);
            System.arraycopy(given, 0, out, 0, Math.min(size, given.length));
        });
        return out;
    }

    static long u32(byte[] b, int off) {
        return (b[off] & 0xffL) | (b[off + 1] & 0xffL) << 8 | (b[off + 2] & 0xffL) << 16 | (b[off + 3] & 0xffL) << 24;
    }

    static void put32(byte[] b, int off, long v) {
        for (int i = 0; i < 4; i++) {
            b[off + i] = (byte) (v >>> (8 * i));
        }
    }

    /** A socket buffer's frame holding {@code data} after the headroom, its packet starting {@code start} bytes in. */
    static PacketBuffer skbBuffer(byte[] data, int start) {
        PacketBuffer b = new PacketBuffer(SKB_HEADROOM + data.length + 320, SKB_HEADROOM, data, 0);
        b.setBounds(SKB_HEADROOM + start, SKB_HEADROOM + start, SKB_HEADROOM + data.length);
        return b;
    }
}
