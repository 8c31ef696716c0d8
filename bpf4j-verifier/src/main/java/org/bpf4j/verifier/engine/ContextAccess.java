package org.bpf4j.verifier.engine;

import java.util.Optional;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayouts;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.spec.SectionDef;
import org.bpf4j.spec.SectionNames;
import org.bpf4j.verifier.domain.PtrType;

/**
 * Which context accesses each program type allows, as the kernel's {@code *_is_valid_access}
 * functions decide them (Linux 6.12, x86-64 layouts): the offset, the size, read or write, and
 * which fields load packet pointers.
 *
 * <p>The program types written out here are the verifier's own table; the others (sk_msg,
 * sk_lookup, sk_reuseport, flow_dissector, cgroup_device, cgroup_sysctl, cgroup_sockopt, netfilter,
 * lirc_mode2, syscall) take the shared catalog's layouts ({@link ContextLayouts}), with the
 * expected attach type where it changes the layout (cgroup_sockopt). Fields whose loads give
 * pointers the verifier does not model (flow keys, BTF-typed fields) are refused, which is safe (a
 * program may then be refused that the kernel accepts, never the reverse).
 */
final class ContextAccess {
    private ContextAccess() {
    }

    /** The outcome of a valid access: the type of pointer loaded, or null for a scalar. */
    record Field(PtrType ptr, boolean maybeNull, String btf) {
        static final Field SCALAR = new Field(null, false);

        /** A field that is a number or a pointer of a type without kernel BTF. */
        Field(PtrType ptr, boolean maybeNull) {
            this(ptr, maybeNull, null);
        }
    }

    private static final int SKB_SIZE = 192;
    private static final int PT_REGS = 168;

    /** The field accessed, or null if the access is refused; for types whose layout needs no attach type. */
    static Field access(ProgramType type, int off, int size, boolean write) {
        return access(type, Optional.empty(), off, size, write);
    }

    /** The expected attach type that libbpf gives a program of this section name, if any. */
    static Optional<AttachType> attachOf(String section) {
        return section.isEmpty() ? Optional.empty()
                : SectionNames.resolve(section).flatMap(SectionDef::expectedAttachType);
    }

    /** The field accessed by a program of {@code type} expected to attach as {@code attach}, or null if refused. */
    static Field access(ProgramType type, Optional<AttachType> attach, int off, int size, boolean write) {
        if (off < 0 || size <= 0) {
            return null;
        }
        return switch (type) {
            case SOCKET_FILTER -> socketFilter(off, size, write);
            case SCHED_CLS, SCHED_ACT -> tcClsAct(off, size, write);
            case CGROUP_SKB -> cgroupSkb(off, size, write);
            case LWT_IN, LWT_OUT, LWT_XMIT, LWT_SEG6LOCAL -> lwt(off, size, write);
            case SK_SKB -> skSkb(off, size, write);
            case XDP -> xdp(off, size, write, attach);
            case KPROBE -> !write && off % size == 0 && off + size <= PT_REGS ? Field.SCALAR : null;
            case TRACEPOINT -> !write && off >= 8 && off < 8192 && off % size == 0 ? Field.SCALAR : null;
            case RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE ->
                !write && off < 8 * 12 && off % size == 0 ? Field.SCALAR : null;
            case PERF_EVENT -> perfEvent(off, size, write);
            case CGROUP_SOCK -> cgroupSock(off, size, write);
            case CGROUP_SOCK_ADDR -> sockAddr(off, size, write);
            case SOCK_OPS -> sockOps(off, size, write);
            default -> fromCatalog(type, attach, off, size, write);
        };
    }

    /**
     * The shared catalog's answer ({@code *_is_valid_access} of Linux as {@code context-layouts.tsv}
     * writes it down): the offset, width and direction must be allowed by a field; its kind gives
     * the loaded register. Sound as far as the catalog is: no row, no access.
     */
    private static Field fromCatalog(ProgramType type, Optional<AttachType> attach, int off, int size,
            boolean write) {
        Optional<ContextField> f = ContextLayouts.forProgram(type, attach)
                .flatMap(l -> l.access(off, size, write, false));
        if (f.isEmpty()) {
            return null;
        }
        return switch (f.get().kind()) {
            case SCALAR -> Field.SCALAR;
            case PACKET -> new Field(PtrType.PACKET, false);
            case PACKET_END -> new Field(PtrType.PACKET_END, false);
            case PACKET_META -> new Field(PtrType.PACKET_META, false);
            case SOCKET -> new Field(PtrType.SOCKET, false);
            case SOCKET_OR_NULL -> new Field(PtrType.SOCKET, true);
            case SOCK_COMMON_OR_NULL -> new Field(PtrType.SOCK_COMMON, true);
            // a trusted pointer to the kernel's structure (netfilter's state and skb)
            case BTF_ID -> new Field(PtrType.BTF_ID, false, f.get().btfType());
            case FLOW_KEYS, TP_BUFFER -> null;
        };
    }

    private static boolean in(int off, int start, int end) {
        return off >= start && off < end;
    }

    private static boolean narrowOk(int off, int size, int fieldStart, int fieldSize) {
        return size <= fieldSize && (size == 1 || size == 2 || size == 4 || size == 8) && off + size <= fieldStart
                + fieldSize;
    }

    /** {@code bpf_skb_is_valid_access}: the checks every {@code __sk_buff} program type shares. */
    private static Field skbCommon(int off, int size, boolean write) {
        if (off >= SKB_SIZE || off % size != 0) {
            return null;
        }
        if (in(off, 48, 68)) { // cb[0..4]
            return off + size <= 68 ? Field.SCALAR : null;
        }
        if (in(off, 100, 132) || in(off, 76, 80) || in(off, 80, 84) || in(off, 140, 144) || in(off, 160, 164)) {
            return size == 4 ? Field.SCALAR : null; // ip6 addresses, data, data_end, data_meta, wire_len
        }
        if (in(off, 144, 152)) { // flow_keys: only the flow dissector (its own layout) may read them
            return null;
        }
        if (in(off, 168, 176)) { // sk: a socket or null (PTR_TO_SOCK_COMMON_OR_NULL)
            return size == 8 && off == 168 && !write ? new Field(PtrType.SOCK_COMMON, true) : null;
        }
        if (in(off, 180, 184)) { // tstamp_type
            return null;
        }
        if (in(off, 152, 160) || in(off, 184, 192)) { // tstamp, hwtstamp
            return size == 8 ? Field.SCALAR : null;
        }
        int fieldStart = off & ~3;
        if (write) {
            return size == 4 ? Field.SCALAR : null;
        }
        return narrowOk(off, size, fieldStart, 4) ? Field.SCALAR : null;
    }

    private static Field packetField(int off, Field f) {
        if (f == null) {
            return null;
        }
        if (in(off, 76, 80)) {
            return new Field(PtrType.PACKET, false);
        }
        if (in(off, 80, 84)) {
            return new Field(PtrType.PACKET_END, false);
        }
        if (in(off, 140, 144)) {
            return new Field(PtrType.PACKET_META, false);
        }
        return f;
    }

    private static Field socketFilter(int off, int size, boolean write) {
        if (in(off, 72, 76) || in(off, 76, 84) || in(off, 140, 144) || in(off, 88, 140) || in(off, 152, 164)
                || in(off, 184, 192)) {
            return null; // tc_classid, data, data_end, data_meta, family..local_port, tstamp, wire_len, hwtstamp
        }
        if (write && !in(off, 48, 68)) {
            return null;
        }
        return skbCommon(off, size, write);
    }

    private static Field tcClsAct(int off, int size, boolean write) {
        if (write && !(in(off, 8, 12) || in(off, 44, 48) || in(off, 32, 36) || in(off, 72, 76) || in(off, 48, 68)
                || in(off, 152, 160) || in(off, 12, 16))) {
            return null; // mark, tc_index, priority, tc_classid, cb, tstamp, queue_mapping
        }
        if (in(off, 88, 140)) {
            return null;
        }
        if (off == 180) { // tstamp_type: only tc reads it, one byte, never writes it
            return !write && size == 1 ? Field.SCALAR : null;
        }
        return packetField(off, skbCommon(off, size, write));
    }

    private static Field cgroupSkb(int off, int size, boolean write) {
        if (in(off, 72, 76) || in(off, 140, 144) || in(off, 144, 152) || in(off, 184, 192)) {
            return null; // tc_classid, data_meta, flow_keys, hwtstamp
        }
        if (write && !(in(off, 8, 12) || in(off, 32, 36) || in(off, 48, 68) || in(off, 152, 160))) {
            return null;
        }
        Field f = skbCommon(off, size, write);
        if (f != null && in(off, 76, 80)) {
            return new Field(PtrType.PACKET, false);
        }
        if (f != null && in(off, 80, 84)) {
            return new Field(PtrType.PACKET_END, false);
        }
        return f;
    }

    private static Field lwt(int off, int size, boolean write) {
        if (in(off, 72, 76) || in(off, 88, 140) || in(off, 140, 144) || in(off, 152, 164) || in(off, 184, 192)) {
            return null;
        }
        if (write && !(in(off, 8, 12) || in(off, 32, 36) || in(off, 48, 68))) {
            return null;
        }
        Field f = skbCommon(off, size, write);
        if (f != null && in(off, 76, 80)) {
            return new Field(PtrType.PACKET, false);
        }
        if (f != null && in(off, 80, 84)) {
            return new Field(PtrType.PACKET_END, false);
        }
        return f;
    }

    private static Field skSkb(int off, int size, boolean write) {
        if (in(off, 72, 76) || in(off, 140, 144) || in(off, 152, 160) || in(off, 184, 192)) {
            return null;
        }
        if (write && !(in(off, 44, 48) || in(off, 32, 36))) {
            return null; // tc_index, priority
        }
        if (in(off, 8, 12)) { // mark
            return null;
        }
        Field f = skbCommon(off, size, write);
        if (f != null && in(off, 76, 80)) {
            return new Field(PtrType.PACKET, false);
        }
        if (f != null && in(off, 80, 84)) {
            return new Field(PtrType.PACKET_END, false);
        }
        return f;
    }

    /**
     * {@code xdp_is_valid_access}: 32-bit reads; {@code egress_ifindex} (offset 20) only for a
     * program expected to run from a devmap ({@code BPF_XDP_DEVMAP}).
     */
    private static Field xdp(int off, int size, boolean write, Optional<AttachType> attach) {
        if (write || off >= 24 || off % size != 0 || size != 4) {
            return null;
        }
        if (off == 20 && attach.orElse(null) != AttachType.XDP_DEVMAP) {
            return null;
        }
        return switch (off) {
            case 0 -> new Field(PtrType.PACKET, false);
            case 4 -> new Field(PtrType.PACKET_END, false);
            case 8 -> new Field(PtrType.PACKET_META, false);
            default -> Field.SCALAR;
        };
    }

    private static Field perfEvent(int off, int size, boolean write) {
        if (write || off >= PT_REGS + 16 || off % size != 0) {
            return null;
        }
        if (off >= PT_REGS) {
            int start = off & ~7;
            return narrowOk(off, size, start, 8) ? Field.SCALAR : null;
        }
        return size == 8 ? Field.SCALAR : null;
    }

    /** {@code struct bpf_sock} through {@code sock_filter_is_valid_access}, for cgroup socket hooks. */
    private static Field cgroupSock(int off, int size, boolean write) {
        if (off >= 80 || off % size != 0) {
            return null;
        }
        if (write) {
            // bound_dev_if, mark, priority are writable at socket creation; the attach type is not known here
            return (off == 0 || off == 16 || off == 20) && size == 4 ? Field.SCALAR : null;
        }
        if (off == 72 || off == 4 || off == 8 || off == 12 || off == 44 || off == 76 || in(off, 24, 44)
                || in(off, 52, 72)) {
            return narrowOk(off, size, off & ~3, 4) ? Field.SCALAR : null;
        }
        if (in(off, 48, 52)) { // dst_port: a 2-byte field, or the whole word
            return size == 4 || narrowOk(off, size, 48, 2) ? Field.SCALAR : null;
        }
        return size == 4 ? Field.SCALAR : null;
    }

    /** {@code struct bpf_sock_addr}. */
    private static Field sockAddr(int off, int size, boolean write) {
        if (off >= 72 || off % size != 0) {
            return null;
        }
        if (in(off, 4, 28) || in(off, 40, 60)) { // user_ip4, user_ip6, user_port, msg_src_ip4/6
            if (write) {
                return size == 4 ? Field.SCALAR : null;
            }
            return narrowOk(off, size, off & ~3, 4) ? Field.SCALAR : null;
        }
        if (off == 64) {
            return !write && size == 8 ? new Field(PtrType.SOCKET, false) : null;
        }
        if (off == 0 || off == 28 || off == 32 || off == 36) {
            return !write && size == 4 ? Field.SCALAR : null;
        }
        return null;
    }

    /** {@code struct bpf_sock_ops}. */
    private static Field sockOps(int off, int size, boolean write) {
        if (off >= 224 || off % size != 0) {
            return null;
        }
        if (write) {
            return (in(off, 4, 20) || off == 164) && size == 4 ? Field.SCALAR : null;
        }
        if (in(off, 168, 184) || in(off, 216, 224)) {
            return size == 8 ? Field.SCALAR : null;
        }
        if (in(off, 184, 208) && (off % 8 != 0 || size != 8)) {
            // the pointer fields (sk, skb_data, skb_data_end) are read whole: no half of one
            return null;
        }
        if (off == 184) {
            return size == 8 ? new Field(PtrType.SOCKET, true) : null;
        }
        if (off == 192) {
            return size == 8 ? new Field(PtrType.PACKET, false) : null;
        }
        if (off == 200) {
            return size == 8 ? new Field(PtrType.PACKET_END, false) : null;
        }
        if (in(off, 212, 216)) {
            return narrowOk(off, size, 212, 4) ? Field.SCALAR : null;
        }
        return size == 4 ? Field.SCALAR : null;
    }
}
