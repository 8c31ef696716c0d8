package org.bpf4j.verifier.engine;

import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarAlu;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.StackState;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Loads, stores and atomics ({@code check_mem_access}, {@code check_atomic}) and the memory
 * range checks helpers share ({@link #checkRange}).
 *
 * <p>Soundness: an access is allowed only if every concrete address the pointer may hold (its
 * fixed offset plus any value of its variable offset, plus the instruction's offset) lies with
 * all {@code size} bytes inside the object the pointer's type names: the stack frame's 512 bytes,
 * the map value's size, the proven packet range, the helper memory's size, or a context field the
 * program type allows. Loaded values are what the object's bytes may hold: a spilled register's
 * value, zero for bytes known zero, a packet pointer for the context's data fields, otherwise an
 * unknown scalar of the access width.
 */
final class MemoryAccess {
    private final Explorer ex;
    /** Scratch of {@link #stackRead}: whether the value read came from a spilled register. */
    private boolean fill;
    /** Whether the access being checked is an atomic instruction's (kptrs take only plain loads and stores). */
    private boolean atomicMode;

    MemoryAccess(Explorer ex) {
        this.ex = ex;
    }

    /** {@code dst = *(size *)(src + off)}. */
    void load(VerifierState st, Instruction.Load l) {
        RegState base = Regs.read(st, l.src());
        Regs.checkWrite(l.dst());
        RegState v = access(st, l.src(), base, l.off(), l.size().bytes(), false, null, false);
        if (l.signExtend() && v instanceof RegState.Pointer && base instanceof RegState.Pointer b
                && b.type() == PtrType.CTX) {
            // a context field that gives a pointer (packet data, data_end, ...) takes no sign extension
            throw new Reject("invalid bpf_context access off=" + l.off() + " size=" + l.size().bytes());
        }
        if (v instanceof RegState.Scalar s && l.size() != Size.DW && !l.signExtend() && s.id() != 0
                && fits(s, l.size().bytes())) {
            // a narrow fill of a linked value that fits keeps the link (Linux keeps the id then)
        } else if (v instanceof RegState.Scalar s && l.size() != Size.DW) {
            ScalarRange r = ScalarAlu.truncate(s.range(), l.size().bytes());
            if (l.signExtend()) {
                r = ScalarAlu.signExtend(r, l.size().bits(), true);
            }
            v = Regs.scalar(r);
        }
        st.regs()[l.dst()] = v;
    }

    /** {@code *(size *)(dst + off) = src}. */
    void store(VerifierState st, Instruction.Store s) {
        RegState value = switch (s.src()) {
            case Operand.Reg r -> Regs.read(st, r.reg());
            case Operand.Imm i -> null;
        };
        RegState base = Regs.read(st, s.dst());
        RegState imm = s.src() instanceof Operand.Imm i ? RegState.constant(i.value()) : null;
        access(st, s.dst(), base, s.off(), s.size().bytes(), true, value != null ? value : imm, imm != null);
        if ((st.stackAccess & Precision.SPILL) != 0 && value instanceof RegState.Scalar sc && sc.id() == 0
                && !sc.range().isConst() && fits(sc, s.size().bytes()) && s.src() instanceof Operand.Reg r) {
            // the register and its spilled copy become linked, so that a comparison of either
            // refines both (Linux's assign_scalar_id_before_mov on a spill)
            RegState.Scalar linked = new RegState.Scalar(sc.range(), st.newId());
            st.regs()[r.reg()] = linked;
            int frame = (int) ((st.stackAccess >>> 29) & 0xf);
            int spi = (int) ((st.stackAccess >>> 33) & 0x3f);
            st.frames.get(frame).stack.replaceSpills((slot, v) -> slot == spi ? linked : null);
        }
        if ((st.stackAccess & Precision.ZERO) != 0 && s.src() instanceof Operand.Reg r) {
            st.preciseRequest |= 1 << r.reg(); // the bytes are known zero because of the value
        }
    }

    /** An atomic read-modify-write, load-acquire or store-release. */
    void atomic(VerifierState st, Instruction.Atomic a) {
        atomicMode = true;
        try {
            atomicAccess(st, a);
        } finally {
            atomicMode = false;
        }
    }

    private void atomicAccess(VerifierState st, Instruction.Atomic a) {
        int size = a.size().bytes();
        if (a.op() == AtomicOp.LOAD_ACQ) {
            RegState base = Regs.read(st, a.src());
            Regs.checkWrite(a.dst());
            RegState v = access(st, a.src(), base, a.off(), size, false, null, false);
            if (v instanceof RegState.Scalar sc && size < 8) {
                v = Regs.scalar(ScalarAlu.truncate(sc.range(), size));
            }
            st.regs()[a.dst()] = v;
            return;
        }
        if (a.op() == AtomicOp.STORE_REL) {
            RegState value = Regs.read(st, a.src());
            RegState base = Regs.read(st, a.dst());
            access(st, a.dst(), base, a.off(), size, true, value, false);
            return;
        }
        RegState src = Regs.read(st, a.src());
        RegState base = Regs.read(st, a.dst());
        if (a.op() == AtomicOp.CMPXCHG) {
            Regs.read(st, 0);
        }
        if (src instanceof RegState.Pointer && a.op() != AtomicOp.XCHG && a.op() != AtomicOp.CMPXCHG
                && base instanceof RegState.Pointer bp && bp.type() == PtrType.STACK) {
            // arithmetic on a pointer value in memory makes no pointer; the kernel refuses it only
            // for the unprivileged (a privileged program may leak addresses: into a map value it is
            // a number like any other), bpf4j also on the stack, as a spilled pointer must stay intact
            throw new Reject("R" + a.src() + " leaks addr into mem");
        }
        if (base instanceof RegState.Pointer p && (p.type() == PtrType.CTX || p.type().isPacket()
                || p.type() == PtrType.SOCKET || p.type() == PtrType.SOCK_COMMON || p.type() == PtrType.TCP_SOCK)) {
            throw new Reject("BPF_ATOMIC stores into R" + a.dst() + " " + p.typeName() + " is not allowed");
        }
        checkAligned(a.dst(), base, a.off(), size);
        RegState old = access(st, a.dst(), base, a.off(), size, false, null, false);
        access(st, a.dst(), base, a.off(), size, true, RegState.unknown(), false);
        // In shared memory the old value is another thread's as much as ours: nothing is known
        // of it. The stack is this program's own: the old value is what the slot held (as in
        // Linux, which reads it like a load; precision follows it to the slot).
        ScalarRange oldRange = base instanceof RegState.Pointer bp && bp.type() == PtrType.STACK
                && old instanceof RegState.Scalar os ? os.range() : ScalarRange.UNKNOWN;
        RegState loaded = Regs.scalar(ScalarAlu.truncate(oldRange, size));
        if (a.op() == AtomicOp.CMPXCHG) {
            st.regs()[0] = loaded;
        } else if (a.op().fetches() || a.op() == AtomicOp.XCHG) {
            Regs.checkWrite(a.src());
            st.regs()[a.src()] = loaded;
        }
    }

    private static void checkAligned(int regno, RegState base, int off, int size) {
        if (base instanceof RegState.Pointer p) {
            long fixed = (long) p.off() + off;
            if (!p.var().var().add(org.bpf4j.verifier.domain.Tnum.constant(fixed)).isAligned(size)) {
                String what = switch (p.type()) {
                    case STACK -> "stack ";
                    case MAP_VALUE -> "value ";
                    case CTX -> "context ";
                    default -> "";
                };
                throw new Reject("misaligned " + what + "access off " + p.var().var() + "+" + p.off() + "+" + off
                        + " size " + size);
            }
        }
    }

    /**
     * Checks one access of {@code size} bytes at {@code off} from register {@code regno}, and
     * performs it on the abstract state; returns the value read (for reads).
     *
     * @param value for writes, the value stored (a register's value, or the immediate)
     * @param fromImm whether the value comes from an immediate ({@code ST})
     */
    /** The bytes of {@code struct bpf_map} a program may read through a map pointer, in bpf4j's model. */
    static final int MAP_STRUCT_READ = 64;

    RegState access(VerifierState st, int regno, RegState base, int off, int size, boolean write, RegState value,
            boolean fromImm) {
        if (!(base instanceof RegState.Pointer p)) {
            throw new Reject("R" + regno + " invalid mem access '" + Regs.typeName(base) + "'");
        }
        if (p.maybeNull()) {
            throw new Reject("R" + regno + " invalid mem access '" + p.typeName() + "'");
        }
        RegState result = checkAccess(st, regno, p, off, size, write, value, fromImm);
        ex.facts().record(p, off, p.type() != PtrType.STACK || p.frame() == st.frames.size() - 1);
        return result;
    }

    private RegState checkAccess(VerifierState st, int regno, RegState.Pointer p, int off, int size, boolean write,
            RegState value, boolean fromImm) {
        return switch (p.type()) {
            case STACK -> stack(st, regno, p, off, size, write, value, fromImm);
            case MAP_VALUE -> {
                MapInfo m = ex.map(p.map());
                if (write && m.readOnlyProg()) {
                    throw new Reject("write into map forbidden, value_size=" + m.valueSize() + " off="
                            + (p.off() + off) + " size=" + size);
                }
                if (!write && m.writeOnlyProg()) {
                    throw new Reject("read from map forbidden, value_size=" + m.valueSize() + " off="
                            + (p.off() + off) + " size=" + size);
                }
                region(regno, p, off, size, m.valueSize(), "map value");
                if (!m.kptrs().isEmpty()) {
                    var k = m.kptrOverlapping(p.var().smin() + p.off() + off, p.var().umax() + p.off() + off + size);
                    if (k.isPresent()) {
                        yield ex.kernelObjects().kptrAccess(st, p, off, size, write, value, fromImm, atomicMode,
                                k.get());
                    }
                }
                specialFields(m, p, off, size);
                if (!write && p.var().isConst() && (size == 1 || size == 2 || size == 4 || size == 8)) {
                    var known = m.frozenRead(p.off() + off + p.var().value(), size);
                    if (known.isPresent()) {
                        yield RegState.constant(known.getAsLong()); // bpf_map_direct_read
                    }
                }
                yield write ? null : RegState.unknown();
            }
            case CONST_MAP_PTR -> {
                // Linux lets a privileged program read the kernel's struct bpf_map (and the map
                // type's struct around it) through BTF; bpf4j has no kernel BTF, so it allows
                // reads at fixed offsets inside the first MAP_STRUCT_READ bytes (fields every
                // kernel has) and knows nothing of the value
                String struct = mapStruct(ex.map(p.map()).type());
                if (write) {
                    throw new Reject("only read from " + struct + " is supported");
                }
                long at = (long) p.off() + off;
                if (p.fixedOffset() && at < 0) {
                    throw new Reject("R" + regno + " is " + struct + " invalid negative access: off=" + at);
                }
                if (!p.fixedOffset() || at + size > MAP_STRUCT_READ) {
                    throw new Reject("R" + regno + " bpf4j: read of map_ptr at off=" + at + " size=" + size
                            + " is outside the struct bpf_map fields it models (0.." + MAP_STRUCT_READ + ")");
                }
                yield RegState.unknown();
            }
            case MAP_KEY -> {
                if (write) {
                    throw new Reject("R" + regno + " cannot write into map_key");
                }
                region(regno, p, off, size, ex.map(p.map()).keySize(), "map key");
                yield RegState.unknown();
            }
            case MEM, RINGBUF_MEM -> {
                if (write && p.readOnly()) {
                    throw new Reject("R" + regno + " cannot write into " + p.typeName());
                }
                region(regno, p, off, size, p.memSize(), "memory");
                yield write ? null : RegState.unknown();
            }
            case CTX -> ctx(st, regno, p, off, size, write);
            case PACKET, PACKET_META -> {
                if (write && !packetWritable(ex.type())) {
                    throw new Reject("cannot write into packet");
                }
                packet(regno, p, off, size);
                yield write ? null : RegState.unknown();
            }
            case SOCKET, SOCK_COMMON, TCP_SOCK -> {
                if (write) {
                    throw new Reject("R" + regno + " cannot write into " + p.typeName());
                }
                if (!p.fixedOffset()) {
                    throw new Reject("R" + regno + " invalid " + p.typeName() + " access off=" + (p.off() + off)
                            + " size=" + size);
                }
                int at = p.off() + off;
                boolean ok = switch (p.type()) {
                    case TCP_SOCK -> tcpSockField(at, size);
                    // a socket that may be a request or time-wait socket has no type, protocol,
                    // mark or priority (bpf_sock's fields from 8 to 24)
                    case SOCK_COMMON -> !(at < 24 && at + size > 8)
                            && ContextAccess.access(ProgramType.CGROUP_SOCK, at, size, false) != null;
                    default -> ContextAccess.access(ProgramType.CGROUP_SOCK, at, size, false) != null;
                };
                if (!ok) {
                    throw new Reject("R" + regno + " invalid " + p.typeName() + " access off=" + at + " size=" + size);
                }
                yield RegState.unknown();
            }
            case BTF_ID -> ex.kernelObjects().load(st, regno, p, off, size, write);
            case PACKET_END, FUNC, CONST_DYNPTR ->
                throw new Reject("R" + regno + " invalid mem access '" + p.typeName() + "'");
        };
    }

    /**
     * {@code struct bpf_tcp_sock}: 4-byte fields, whole, except bytes_received and bytes_acked
     * (offsets 80 and 88), 8 bytes; it ends after icsk_retransmits (112).
     */
    private static boolean tcpSockField(int off, int size) {
        if (off < 0 || off >= 112 || off % size != 0) {
            return false;
        }
        return off == 80 || off == 88 ? size == 8 : size == 4;
    }

    /** The kernel structure a map of this type is (its {@code map_btf_id}), named in Linux's messages. */
    private static String mapStruct(MapType t) {
        return switch (t) {
            case ARRAY, PERCPU_ARRAY, PROG_ARRAY, PERF_EVENT_ARRAY, CGROUP_ARRAY, ARRAY_OF_MAPS -> "bpf_array";
            case HASH, PERCPU_HASH, LRU_HASH, LRU_PERCPU_HASH, HASH_OF_MAPS -> "bpf_htab";
            case RINGBUF, USER_RINGBUF -> "bpf_ringbuf_map";
            case STACK_TRACE -> "bpf_stack_map";
            case LPM_TRIE -> "lpm_trie";
            case QUEUE, STACK -> "bpf_queue_stack";
            case BLOOM_FILTER -> "bpf_bloom_filter";
            case SOCKMAP -> "bpf_stab";
            case SOCKHASH -> "bpf_shtab";
            case DEVMAP, DEVMAP_HASH -> "bpf_dtab";
            case CPUMAP -> "bpf_cpu_map";
            case XSKMAP -> "xsk_map";
            case SK_STORAGE, INODE_STORAGE, TASK_STORAGE, CGRP_STORAGE -> "bpf_local_storage_map";
            default -> "bpf_map";
        };
    }

    static boolean packetWritable(ProgramType t) {
        return switch (t) {
            case SCHED_CLS, SCHED_ACT, XDP, LWT_XMIT, SK_SKB, SK_MSG, CGROUP_SOCKOPT -> true;
            default -> false;
        };
    }

    static boolean packetReadable(ProgramType t) {
        return switch (t) {
            case LWT_IN, LWT_OUT, LWT_SEG6LOCAL, SK_REUSEPORT, FLOW_DISSECTOR, CGROUP_SKB, SOCK_OPS -> true;
            default -> packetWritable(t);
        };
    }

    /**
     * A map value's {@code bpf_spin_lock} and {@code bpf_timer} are only for their helpers: no
     * access that may touch their bytes ({@code check_map_access}). Sound: the range covers every
     * offset the pointer may have.
     */
    static void specialFields(MapInfo m, RegState.Pointer p, int insnOff, int size) {
        long lo = p.var().smin() + p.off() + insnOff;
        long hi = p.var().umax() + p.off() + insnOff + size; // exclusive
        if (m.spinLockOff() >= 0 && lo < m.spinLockOff() + MapInfo.SPIN_LOCK_SIZE && m.spinLockOff() < hi) {
            throw new Reject("bpf_spin_lock cannot be accessed directly by load/store");
        }
        if (m.timerOff() >= 0 && lo < m.timerOff() + MapInfo.TIMER_SIZE && m.timerOff() < hi) {
            throw new Reject("bpf_timer cannot be accessed directly by load/store");
        }
    }

    /** A region of {@code limit} bytes ({@code check_mem_region_access}). */
    static void region(int regno, RegState.Pointer p, int insnOff, int size, long limit, String what) {
        long off = (long) p.off() + insnOff;
        ScalarRange v = p.var();
        if (v.smin() < 0 && (v.smin() == Long.MIN_VALUE || off + v.smin() != (int) (off + v.smin())
                || v.smin() + off < 0)) {
            throw new Reject("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        if (!within(v.smin() + off, size, limit)) {
            // Linux logs __check_mem_access's line, then check_mem_region_access's, constant or not
            throw new Reject(outside(what, off + v.smin(), size, limit) + "\nR" + regno
                    + " min value is outside of the allowed memory range");
        }
        if (Long.compareUnsigned(v.umax(), AluTransfer.MAX_VAR_OFF) >= 0) {
            throw new Reject("R" + regno + " unbounded memory access, make sure to bounds check any such access");
        }
        if (!within(v.umax() + off, size, limit)) {
            throw new Reject(outside(what, off + v.umax(), size, limit) + "\nR" + regno
                    + " max value is outside of the allowed memory range");
        }
    }

    private static boolean within(long off, int size, long limit) {
        return off >= 0 && size > 0 && off + size <= limit || off >= 0 && size == 0 && off <= limit;
    }

    /** {@code __check_mem_access}'s line; the kernel prints the offset as a C int. */
    private static String outside(String what, long offset, int size, long limit) {
        int off = (int) offset;
        return switch (what) {
            case "map value" -> "invalid access to map value, value_size=" + limit + " off=" + off + " size=" + size;
            case "map key" -> "invalid access to map key, key_size=" + limit + " off=" + off + " size=" + size;
            default -> "invalid access to memory, mem_size=" + limit + " off=" + off + " size=" + size;
        };
    }

    /** A packet access: the fixed offset within the proven range ({@code check_packet_access}). */
    static void packet(int regno, RegState.Pointer p, int insnOff, int size) {
        long off = (long) p.off() + insnOff;
        if (p.var().smin() < 0) {
            throw new Reject("R" + regno + " min value is negative, either use unsigned index or do a if (index >=0) check.");
        }
        if (!(off >= 0 && off + size <= p.range())) {
            throw new Reject("invalid access to packet, off=" + off + " size=" + size + ", R" + regno + "(id=" + p.id()
                    + ",off=" + p.off() + ",r=" + p.range() + ")\nR" + regno + " offset is outside of the packet");
        }
    }

    private RegState ctx(VerifierState st, int regno, RegState.Pointer p, int off, int size, boolean write) {
        Regs.unmodifiedCtx(regno, p);
        if ((ex.type() == ProgramType.TRACING || ex.type() == ProgramType.LSM && ex.input().attachTo().startsWith("lsm"))
                && !ex.input().attachTo().isEmpty()) {
            return ex.kernelObjects().tracingArg(st, off, size, write);
        }
        ContextAccess.Field f = ContextAccess.access(ex.type(), ex.attach(), off,
                size, write);
        if (f == null) {
            throw new Reject("invalid bpf_context access off=" + off + " size=" + size);
        }
        if (write) {
            return null;
        }
        if (f.ptr() == null) {
            return RegState.unknown();
        }
        if (f.btf() != null) {
            return new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), 0, 0, 0, -1, 0, false, 0, false,
                    ex.kernelObjects().helperResult(f.btf(), true));
        }
        RegState.Pointer r = RegState.Pointer.of(f.ptr());
        if (f.maybeNull()) {
            r = new RegState.Pointer(f.ptr(), 0, r.var(), st.newId(), 0, 0, -1, 0, true, 0, false);
        }
        return r;
    }

    private RegState stack(VerifierState st, int regno, RegState.Pointer p, int insnOff, int size, boolean write,
            RegState value, boolean fromImm) {
        FrameState frame = st.frames.get(p.frame());
        StackState stack = frame.stack;
        long off = (long) p.off() + insnOff;
        String extra = write ? " write to" : " read from";
        if (p.var().isConst()) {
            long min = off + p.var().value();
            if (min % size != 0) {
                throw new Reject("misaligned stack access off " + p.var().var() + "+" + p.off() + "+" + insnOff
                        + " size " + size);
            }
            if (min < -StackState.MAX || min + size > 0) {
                throw new Reject("invalid" + extra + " stack R" + regno + " off=" + off + " size=" + size);
            }
            int o = (int) min;
            int spi = (-o - 1) / 8;
            if (write && value instanceof RegState.Pointer v && v.type() == PtrType.STACK
                    && p.frame() != st.frames.size() - 1) {
                // the pointer would outlive its frame (Linux refuses it whatever frame it points to)
                throw new Reject("cannot spill pointers to stack into stack frame of the caller");
            }
            if (write) {
                int kind = stackWrite(stack, o, size, value, fromImm);
                st.stackAccess = Precision.stackAccess(p.frame(), spi, kind == 1, kind >= 2);
                st.stackHistory = kind == 1 || kind == 3;
                return null;
            }
            RegState v = stackRead(stack, o, size);
            if (fill) {
                st.stackAccess = Precision.stackAccess(p.frame(), spi, false, false);
                st.stackHistory = true;
            }
            return v;
        }
        ScalarRange v = p.var();
        if (v.smax() >= AluTransfer.MAX_VAR_OFF || v.smin() <= -AluTransfer.MAX_VAR_OFF) {
            throw new Reject("invalid unbounded variable-offset" + extra + " stack R" + regno);
        }
        if (!p.var().var().add(org.bpf4j.verifier.domain.Tnum.constant(off)).isAligned(size)) {
            throw new Reject("misaligned stack access off " + p.var().var() + "+" + p.off() + "+" + insnOff
                    + " size " + size);
        }
        long min = v.smin() + off;
        long max = v.smax() + off + size;
        if (min < -StackState.MAX || max > 0) {
            throw new Reject("invalid variable-offset" + extra + " stack R" + regno + " var_off=" + v.var() + " off="
                    + off + " size=" + size);
        }
        if (write) {
            StackObjects.beforeStore(stack, (int) min, (int) (max - min));
            // a value written at an unknown place could overwrite part of any spill
            stack.clobber((int) min, (int) (max - min));
            return null;
        }
        stack.touch((int) min);
        StackObjects.checkLoad(stack, (int) min, (int) (max - min));
        stack.markRead((int) min, (int) (max - min));
        return RegState.unknown();
    }

    /** Whether every value of {@code s} fits in {@code bytes} bytes (unsigned), so that storing or loading them keeps it. */
    static boolean fits(RegState.Scalar s, int bytes) {
        return bytes >= 8 || 64 - Long.numberOfLeadingZeros(s.range().umax()) <= bytes * 8;
    }

    /**
     * Writes the stack; returns 1 for a register spill, 2 for a store of known zero bytes, 3 for an
     * 8-byte store of immediate 0 at a slot (known zero bytes here, a spill of a constant for
     * Linux), 0 otherwise.
     *
     * <p>As Linux for privileged programs ({@code check_stack_write_fixed_off}): a scalar stored at
     * an 8-aligned offset is spilled whatever its size (1, 2, 4 or 8 bytes; an immediate too),
     * keeping its abstract value for a later fill; the scalar's id (its link with copies) is kept
     * only when its value fits in the stored bytes. Any other store writes plain bytes, known zero
     * when the whole value is 0, and loses a spill in the slot. Sound: a spill of {@code n} bytes
     * stands for the value's low {@code n} bytes, which is what a fill of at most {@code n} bytes
     * at the same place reads ({@link #stackRead} truncates it).
     */
    private static int stackWrite(StackState stack, int off, int size, RegState value, boolean fromImm) {
        StackObjects.beforeStore(stack, off, size);
        if (value instanceof RegState.Pointer) {
            if (size != 8) {
                throw new Reject("invalid size of register spill");
            }
            stack.spill(off, value);
            return 1;
        }
        RegState.Scalar s = (RegState.Scalar) value;
        boolean zero = s.range().isConst() && s.range().value() == 0;
        if (off % 8 == 0) {
            if (size == 8 && fromImm && zero) {
                stack.write(off, size, true); // reads back as the same known 0 as a spill of 0
                return 3;
            }
            RegState.Scalar v = s;
            if (size < 8 && s.id() != 0 && 64 - Long.numberOfLeadingZeros(s.range().umax()) > size * 8) {
                v = Regs.scalar(s.range()); // a narrowing spill breaks the link with the register's copies
            }
            stack.spill(off, v, size);
            return 1;
        }
        stack.write(off, size, zero);
        return zero ? 2 : 0;
    }

    /**
     * Reads the stack ({@code check_stack_read_fixed_off}): a fill of a whole 8-byte spill gives
     * the spilled register; a fill of at most the spilled bytes at the slot's start gives the
     * scalar's low bytes; other reads that touch a spilled pointer are refused; otherwise bytes
     * all known zero (or all spilled bytes of a spilled 0) read as 0, anything else as unknown.
     * Sets {@link #fill} when the value comes from the spilled register (Linux's
     * {@code INSN_F_STACK_ACCESS}): only then does the register's precision go back to the slot;
     * zeros read from known-zero bytes are compared exactly when pruning, unknown bytes need
     * nothing.
     */
    private RegState stackRead(StackState stack, int off, int size) {
        fill = false;
        stack.touch(off);
        StackObjects.checkLoad(stack, off, size);
        int spillSize = stack.spillSize(off);
        if (spillSize > 0) {
            int slotStart = -(((-off - 1) / 8) * 8 + 8);
            RegState spilled = stack.spilled(slotStart);
            if (size == 8 && spillSize == 8) {
                fill = true;
                return spilled;
            }
            if (spilled instanceof RegState.Pointer) {
                throw new Reject("invalid size of register fill");
            }
            RegState.Scalar sc = (RegState.Scalar) spilled;
            if (off == slotStart && size <= spillSize) {
                fill = true;
                if (sc.id() != 0 && fits(sc, size)) {
                    return sc; // the value fits: the fill is the same value, still linked
                }
                return Regs.scalar(ScalarAlu.truncate(sc.range(), size)); // the low bytes of the value
            }
            int spillCount = 0;
            int zeroCount = 0;
            for (int a = off; a < off + size; a++) {
                byte t = stack.type(a);
                spillCount += t == StackState.SPILL ? 1 : 0;
                zeroCount += t == StackState.ZERO ? 1 : 0;
            }
            boolean spilledZero = sc.range().isConst() && sc.range().value() == 0;
            fill = spillCount == size && spilledZero;
            return fill || zeroCount == size ? RegState.constant(0) : RegState.unknown();
        }
        boolean allZero = true;
        for (int a = off; a < off + size; a++) {
            allZero &= stack.type(a) == StackState.ZERO;
        }
        return allZero ? RegState.constant(0) : RegState.unknown();
    }

    /**
     * A helper's access to {@code size} bytes (a size range {@code [minSize, maxSize]}) of memory
     * at {@code ptr} ({@code check_helper_mem_access}): reads need initialised stack only for the
     * unprivileged, writes clobber the stack bytes.
     */
    /** The bytes {@code [min, max)} a helper's {@code size} bytes at stack pointer {@code p} may cover, checked to be inside the stack. */
    private static long[] stackBounds(int regno, RegState.Pointer p, int size, boolean write) {
        long off = p.off();
        String extra = write ? " write to" : " read from";
        long min;
        long max;
        if (p.var().isConst()) {
            min = off + p.var().value();
            max = min + size;
            if (min < -StackState.MAX || max > 0 || size == 0 && min >= 0) {
                throw new Reject("invalid" + extra + " stack R" + regno + " off=" + off + " size=" + size);
            }
        } else {
            ScalarRange r = p.var();
            if (r.smax() >= AluTransfer.MAX_VAR_OFF || r.smin() <= -AluTransfer.MAX_VAR_OFF) {
                throw new Reject("invalid unbounded variable-offset" + extra + " stack R" + regno);
            }
            min = r.smin() + off;
            max = r.smax() + off + size;
            if (min < -StackState.MAX || max > 0 || size == 0 && min >= 0) {
                throw new Reject("invalid variable-offset" + extra + " stack R" + regno + " var_off="
                        + r.var() + " off=" + off + " size=" + size);
            }
        }
        return new long[] {min, max};
    }

    void checkRange(VerifierState st, int regno, RegState v, long maxSize, boolean write, boolean zeroOk) {
        if (!(v instanceof RegState.Pointer p)) {
            throw new Reject("R" + regno + " type=" + Regs.typeName(v) + " expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_");
        }
        if (maxSize == 0 && zeroOk) {
            if (p.type() == PtrType.STACK) {
                // nothing is read or written, but the pointer must still be inside the stack
                stackBounds(regno, p, 0, write);
            }
            return;
        }
        int size = (int) maxSize;
        switch (p.type()) {
            case STACK -> {
                FrameState frame = st.frames.get(p.frame());
                long[] range = stackBounds(regno, p, size, write);
                long min = range[0];
                long max = range[1];
                if (write) {
                    long dyn = frame.stack.objectSlots((int) min, (int) (max - min));
                    for (int spi = 0; dyn != 0; spi++, dyn >>>= 1) {
                        if ((dyn & 1) != 0 && !frame.stack.object(spi).kind().isIterator()) {
                            throw new Reject("potential write to dynptr at off=" + min + " disallowed");
                        }
                    }
                    StackObjects.beforeStore(frame.stack, (int) min, (int) (max - min));
                    frame.stack.clobber((int) min, (int) (max - min));
                } else {
                    frame.stack.touch((int) min);
                    if (frame.stack.objectSlots((int) min, (int) (max - min)) != 0) {
                        throw new Reject("invalid read from stack R" + regno + " off " + min + "+0 size " + size);
                    }
                    frame.stack.markRead((int) min, (int) (max - min));
                }
            }
            case MAP_VALUE -> {
                MapInfo m = ex.map(p.map());
                if (write && m.readOnlyProg()) {
                    throw new Reject("write into map forbidden, value_size=" + m.valueSize() + " off=" + p.off()
                            + " size=" + size);
                }
                if (!write && m.writeOnlyProg()) {
                    throw new Reject("read from map forbidden, value_size=" + m.valueSize() + " off=" + p.off()
                            + " size=" + size);
                }
                region(regno, p, 0, size, m.valueSize(), "map value");
                specialFields(m, p, 0, size);
            }
            case MAP_KEY -> region(regno, p, 0, size, ex.map(p.map()).keySize(), "map key");
            case MEM, RINGBUF_MEM -> {
                if (write && p.readOnly()) {
                    throw new Reject("R" + regno + " cannot write into " + p.typeName());
                }
                region(regno, p, 0, size, p.memSize(), "memory");
            }
            case PACKET, PACKET_META -> {
                if (write && !packetWritable(ex.type())) {
                    throw new Reject("cannot write into packet");
                }
                packet(regno, p, 0, size);
            }
            default -> throw new Reject("R" + regno + " type=" + p.typeName()
                    + " expected=fp, pkt, pkt_meta, map_key, map_value, mem, ringbuf_mem, buf, trusted_ptr_");
        }
    }
}
