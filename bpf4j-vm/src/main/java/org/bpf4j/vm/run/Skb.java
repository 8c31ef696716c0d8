package org.bpf4j.vm.run;

import java.util.Arrays;
import java.util.Optional;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayout;
import org.bpf4j.spec.ContextLayouts;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.LayoutContext;
import org.bpf4j.vm.PacketBuffer;
import org.bpf4j.vm.SkbContext;
import org.bpf4j.vm.VmProgram;

/** The socket-buffer test run ({@code bpf_prog_test_run_skb}). */
final class Skb {
    private Skb() {}

    static final int SKB_SIZE = 192;
    static final int AF_INET = 2, AF_INET6 = 10, TCP_CLOSE = 7;
    /** The fields of {@code __sk_buff} a test run's {@code ctx_in} may set; every other byte must be zero. */
    private static final String[] SETTABLE = {"mark", "priority", "ingress_ifindex", "ifindex", "cb", "tstamp", "wire_len",
        "gso_segs", "gso_size", "hwtstamp"};
    /** Every field of the struct, from the variant that can see the most. */
    private static final ContextLayout FULL = ContextLayouts.byName("__sk_buff/tc").orElseThrow();
    private static final ContextLayout SOCKET_FIELDS = ContextLayouts.byName("__sk_buff/cgroup_skb").orElseThrow();

    static int off(String field) {
        return FULL.field(field).or(() -> SOCKET_FIELDS.field(field)).map(ContextField::offset).orElseThrow();
    }

    static TestRunResult run(VmProgram program, ProgramType type, Optional<AttachType> attach, TestRunInput in) {
        byte[] data = in.data();
        if (data.length < TestRun.ETH_HLEN) {
            throw new TestRunException(TestRun.EINVAL, "data_in has " + data.length
                    + " bytes, less than an Ethernet header (14)");
        }
        if (data.length > TestRun.SKB_MAX_DATA) {
            throw new TestRunException(TestRun.EINVAL, "data_in has " + data.length + " bytes; a test run's socket buffer"
                    + " holds at most " + TestRun.SKB_MAX_DATA);
        }
        byte[] given = TestRun.zeroPadded(in.context(), SKB_SIZE, "struct __sk_buff");
        checkSettable(given);
        boolean l2 = type == ProgramType.SCHED_CLS || type == ProgramType.SCHED_ACT;
        boolean direct = l2 || type == ProgramType.LWT_IN || type == ProgramType.LWT_OUT || type == ProgramType.LWT_XMIT;
        int lenAtStart = l2 ? data.length : data.length - TestRun.ETH_HLEN;
        long wireLen = TestRun.u32(given, off("wire_len"));
        if (wireLen != 0 && (wireLen < lenAtStart || wireLen > 65536)) {
            throw new TestRunException(TestRun.EINVAL, "ctx_in: __sk_buff.wire_len " + wireLen + " is below the packet's "
                    + lenAtStart + " bytes or above 65536");
        }
        if (TestRun.u32(given, off("gso_segs")) > 65535) {
            throw new TestRunException(TestRun.EINVAL, "ctx_in: __sk_buff.gso_segs is above 65535");
        }
        if (TestRun.u32(given, off("ifindex")) > 1) {
            throw new TestRunException(TestRun.ENODEV, "ctx_in: __sk_buff.ifindex " + TestRun.u32(given, off("ifindex"))
                    + ": the VM has no network device but the loopback device (ifindex 1)");
        }
        int proto = protocol(data);
        LayoutContext sock = socket(data, proto);
        PacketBuffer frame = TestRun.skbBuffer(data, l2 ? 0 : TestRun.ETH_HLEN);
        ContextLayout layout = ContextLayouts.forProgram(type, attach).orElseThrow();
        SkbContext ctx = new SkbContext(layout, frame, sock, direct);
        byte[] b = ctx.bytes();
        System.arraycopy(given, 0, b, 0, SKB_SIZE);
        TestRun.put32(b, off("ifindex"), 1);
        TestRun.put32(b, off("pkt_type"), pktType(data));
        TestRun.put32(b, off("protocol"), proto);
        // Without a context the kernel leaves the control block's pkt_len, which wire_len reads, at 0.
        TestRun.put32(b, off("wire_len"), in.context().isEmpty() ? 0 : wireLen != 0 ? wireLen : lenAtStart);
        TestRun.put32(b, off("len"), lenAtStart);
        if (sock != null && (type == ProgramType.CGROUP_SKB || type == ProgramType.SK_SKB)) {
            byte[] s = sock.bytes();
            TestRun.put32(b, off("family"), TestRun.u32(s, 4));
            System.arraycopy(s, 24, b, off("local_ip4"), 4);
            System.arraycopy(s, 52, b, off("remote_ip4"), 4);
            System.arraycopy(s, 28, b, off("local_ip6"), 16);
            System.arraycopy(s, 56, b, off("remote_ip6"), 16);
        }
        TestRun.Timed t = TestRun.repeat(program, ctx, in.repeat());
        byte[] out = frame.copy(frame.data(), frame.end());
        if (!l2) {
            byte[] withHeader = new byte[out.length + TestRun.ETH_HLEN];
            System.arraycopy(out, 0, withHeader, TestRun.ETH_HLEN, out.length);
            out = withHeader;
        }
        Optional<byte[]> ctxOut = Optional.empty();
        if (in.context().isPresent()) {
            byte[] o = given;
            for (String f : new String[] {"mark", "priority", "ingress_ifindex", "ifindex", "wire_len", "gso_segs"}) {
                System.arraycopy(b, off(f), o, off(f), 4);
            }
            System.arraycopy(b, off("cb"), o, off("cb"), 20);
            System.arraycopy(b, off("tstamp"), o, off("tstamp"), 8);
            System.arraycopy(b, off("hwtstamp"), o, off("hwtstamp"), 8);
            ctxOut = Optional.of(o);
        }
        return new TestRunResult(t.retval(), out, ctxOut, t.nanos(), ctx.redirect());
    }

    private static void checkSettable(byte[] ctx) {
        boolean[] ok = new boolean[SKB_SIZE];
        for (String name : SETTABLE) {
            ContextField f = FULL.field(name).orElseThrow();
            Arrays.fill(ok, f.offset(), f.end(), true);
        }
        for (int i = 0; i < SKB_SIZE; i++) {
            if (ctx[i] != 0 && !ok[i]) {
                int at = i;
                String field = FULL.fieldAt(at).or(() -> SOCKET_FIELDS.fieldAt(at)).map(ContextField::name).orElse("padding");
                throw new TestRunException(TestRun.EINVAL, "ctx_in: __sk_buff." + field + " (byte " + i
                        + ") may not be set in a test run; only " + String.join(", ", SETTABLE) + " may");
            }
        }
    }

    /** {@code eth_type_trans}'s protocol, as the 16-bit field's little-endian value ({@code __be16}). */
    static int protocol(byte[] d) {
        int proto = (d[12] & 0xff) << 8 | (d[13] & 0xff);
        if (proto >= 0x600) {
            return (d[12] & 0xff) | (d[13] & 0xff) << 8;
        }
        boolean raw = d.length >= 16 && (d[14] & 0xff) == 0xff && (d[15] & 0xff) == 0xff;
        return raw ? 0x0100 : 0x0400;
    }

    /**
     * {@code eth_type_trans}'s packet type against the loopback device, whose address and broadcast
     * address are both all zeros: PACKET_HOST (0) for a zero destination, PACKET_MULTICAST (2) for
     * any group address (ff:ff:ff:ff:ff:ff included, as the kernel reports it), else PACKET_OTHERHOST (3).
     */
    static int pktType(byte[] d) {
        boolean zero = true;
        for (int i = 0; i < 6; i++) {
            zero &= d[i] == 0;
        }
        if (zero) {
            return 0;
        }
        return (d[0] & 1) != 0 ? 2 : 3;
    }

    /** The test run's dummy socket: its family and addresses from an IPv4 or IPv6 header. */
    private static LayoutContext socket(byte[] d, int proto) {
        LayoutContext s = new LayoutContext(ContextLayouts.byName("bpf_sock").orElseThrow());
        byte[] b = s.bytes();
        int ip = TestRun.ETH_HLEN;
        if (proto == 0x0008) {
            if (d.length - ip < 20) {
                throw new TestRunException(TestRun.EINVAL, "data_in: an IPv4 packet of " + (d.length - ip)
                        + " bytes is shorter than its header");
            }
            TestRun.put32(b, 4, AF_INET);
            System.arraycopy(d, ip + 12, b, 24, 4);
            System.arraycopy(d, ip + 16, b, 52, 4);
        } else if (proto == 0xdd86) {
            if (d.length - ip < 40) {
                throw new TestRunException(TestRun.EINVAL, "data_in: an IPv6 packet of " + (d.length - ip)
                        + " bytes is shorter than its header");
            }
            TestRun.put32(b, 4, AF_INET6);
            System.arraycopy(d, ip + 8, b, 28, 16);
            System.arraycopy(d, ip + 24, b, 56, 16);
        }
        TestRun.put32(b, 72, TCP_CLOSE);
        TestRun.put32(b, 76, 0xffff_ffffL);
        return s;
    }
}
