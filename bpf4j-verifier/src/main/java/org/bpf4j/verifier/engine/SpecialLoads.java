package org.bpf4j.verifier.engine;

import java.util.Optional;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * The two special loads: {@code lddw} (constants, maps, map values, code addresses) and the
 * legacy packet loads ({@code LD_ABS}, {@code LD_IND}).
 */
final class SpecialLoads {
    private final Explorer ex;
    private final Code code;

    SpecialLoads(Explorer ex, Code code) {
        this.ex = ex;
        this.code = code;
    }

    void loadImm64(VerifierState st, Instruction.LoadImm64 l, int slot) {
        Regs.checkWrite(l.dst());
        RegState v = switch (l.kind()) {
            case IMM64 -> RegState.constant(l.value());
            case MAP_BY_FD, MAP_BY_INDEX -> {
                checkMap(l.imm());
                yield new RegState.Pointer(PtrType.CONST_MAP_PTR, 0, ScalarRange.constant(0), 0, 0, 0, l.imm(), 0,
                        false, 0, false);
            }
            case MAP_VALUE_BY_FD, MAP_VALUE_BY_INDEX -> {
                checkMap(l.imm());
                MapInfo m = ex.map(l.imm());
                if (Integer.compareUnsigned(l.nextImm(), m.valueSize()) >= 0) {
                    throw new Reject("invalid access to map value pointer, value_size=" + m.valueSize() + " off="
                            + Integer.toUnsignedString(l.nextImm()));
                }
                yield new RegState.Pointer(PtrType.MAP_VALUE, l.nextImm(), ScalarRange.constant(0), 0, 0, 0, l.imm(), 0,
                        false, 0, m.readOnlyProg());
            }
            case CODE_ADDRESS -> new RegState.Pointer(PtrType.FUNC, code.targetOf(slot), ScalarRange.constant(0), 0, 0,
                    0, -1, 0, false, 0, false);
            case VARIABLE_ADDRESS -> kernelSymbolAddress(slot);
        };
        st.regs()[l.dst()] = v;
        if (l.kind() == Imm64Kind.CODE_ADDRESS && ex.cfg().subprogAt(code.targetOf(slot)) < 0) {
            throw new Reject("invalid func address");
        }
    }

    /**
     * {@code lddw} of a kernel symbol's address, whose {@code __ksym} extern the input names at this
     * slot, typed as Linux's {@code check_pseudo_btf_id} types it:
     * <ul>
     *   <li>a kernel function ({@code bpf_ksym_exists(kfunc)}): read-only memory of size 0, never NULL;
     *   <li>a per-CPU variable ({@code extern const struct rq runqueues __ksym}): a per-CPU pointer to
     *       its type ({@code percpu_ptr_rq}), not readable itself, for {@code bpf_this_cpu_ptr} and
     *       {@code bpf_per_cpu_ptr} to turn into a CPU's copy;
     *   <li>another variable: a pointer to its structure ({@code ptr_}), or read-only memory of
     *       its type's size for a number or an array;
     *   <li>a symbol the kernel lacks: 0, the value libbpf gives a {@code __weak} extern (a strong
     *       one never loads).
     * </ul>
     * An untyped variable ({@code extern const void NAME __ksym}, a {@code /proc/kallsyms}
     * address) has no name here and is refused.
     */
    private RegState kernelSymbolAddress(int slot) {
        String name = ex.input().kfuncs().get(slot);
        if (name == null) {
            throw new Reject("bpf4j: the address of an untyped kernel symbol (extern const void ... __ksym) is not "
                    + "supported by the verifier yet");
        }
        KernelTypes types = ex.input().kernelTypes();
        if (types == KernelTypes.NONE) {
            throw new Reject("bpf4j: the address of kernel symbol " + name
                    + " needs kernel BTF (bpf4j was given none: pass a vmlinux BTF file)");
        }
        Optional<KernelTypes.Variable> variable = types.variable(name);
        if (variable.isPresent()) {
            return variableAddress(variable.get());
        }
        if (types.function(name).isEmpty()) {
            return RegState.constant(0);
        }
        return new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), 0, 0, 0, -1, 0, false, 0, true);
    }

    private static RegState variableAddress(KernelTypes.Variable v) {
        boolean struct = v.type() instanceof KernelTypes.Composite;
        if (v.percpu() || struct) {
            // the size of a per-CPU number is kept for the CPU's copy (bpf_this_cpu_ptr's result)
            return new RegState.Pointer(PtrType.BTF_ID, 0, ScalarRange.constant(0), 0, 0, 0, -1,
                    struct ? 0 : (int) Math.min(v.size(), Integer.MAX_VALUE), false, 0, false,
                    new RegState.KernelObject(v.typeId(), v.typeName(), v.percpu() ? RegState.KernelObject.PERCPU : 0));
        }
        return new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), 0, 0, 0, -1,
                (int) Math.min(v.size(), Integer.MAX_VALUE), false, 0, true);
    }

    private void checkMap(int index) {
        if (index < 0 || index >= ex.input().maps().size()) {
            throw new Reject("fd " + index + " is not pointing to valid bpf_map");
        }
        MapInfo m = ex.map(index);
        // the kernel's check_map_prog_compatibility for maps with special fields
        boolean tracing = switch (ex.type()) {
            case KPROBE, TRACEPOINT, PERF_EVENT, RAW_TRACEPOINT, RAW_TRACEPOINT_WRITABLE -> true;
            default -> false;
        };
        if (m.spinLockOff() >= 0 && ex.type() == org.bpf4j.spec.ProgramType.SOCKET_FILTER) {
            throw new Reject("socket filter progs cannot use bpf_spin_lock yet");
        }
        if (m.spinLockOff() >= 0 && tracing) {
            throw new Reject("tracing progs cannot use bpf_spin_lock yet");
        }
        if (m.timerOff() >= 0 && tracing) {
            throw new Reject("tracing progs cannot use bpf_timer yet");
        }
    }

    /** Legacy packet loads: r6 must hold the context; r0 gets the data, r1-r5 are clobbered. */
    void loadPacket(VerifierState st, Instruction.LoadPacket lp) {
        switch (ex.type()) {
            case SOCKET_FILTER, SCHED_CLS, SCHED_ACT -> {
            }
            default -> throw new Reject("BPF_LD_[ABS|IND] instructions not allowed for this program type");
        }
        if (st.activeLock != -1) {
            throw new Reject("BPF_LD_[ABS|IND] cannot be used inside bpf_spin_lock-ed region");
        }
        if (!st.refs.isEmpty() && st.frames.size() == 1) {
            // the load may end the program, and nothing would release them; Linux checks only in
            // the outermost frame, as for a tail call
            throw new Reject(Functions.referenceLeak(st, ex, "BPF_LD_[ABS|IND]"));
        }
        // allowed in any function, static or global, of a program with BTF (Linux refuses one in a
        // function only without BTF, when loading: "LD_ABS is not allowed in subprogs without BTF")
        RegState r6 = Regs.read(st, 6);
        if (!(r6 instanceof RegState.Pointer p && p.type() == PtrType.CTX)) {
            throw new Reject("at the time of BPF_LD_ABS|IND R6 != pointer to skb");
        }
        if (lp.indirect()) {
            Regs.read(st, lp.src());
        }
        RegState[] regs = st.regs();
        for (int r = 1; r <= 5; r++) {
            regs[r] = RegState.NOT_INIT;
        }
        // Linux makes R0 a fully unknown scalar (check_ld_abs: mark_reg_unknown), not one bounded by
        // the load's width: keeping the width would prove branches dead that the kernel explores
        regs[0] = RegState.unknown();
    }
}
