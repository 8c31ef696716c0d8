package org.bpf4j.verifier.engine;

import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
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
            case VARIABLE_ADDRESS -> kernelFunctionAddress(slot);
        };
        st.regs()[l.dst()] = v;
        if (l.kind() == Imm64Kind.CODE_ADDRESS && ex.cfg().subprogAt(code.targetOf(slot)) < 0) {
            throw new Reject("invalid func address");
        }
    }

    /**
     * {@code lddw} of a kernel function's address ({@code bpf_ksym_exists(kfunc)}, whose extern the
     * input names at this slot): Linux's {@code check_pseudo_btf_id} makes a BTF function read-only
     * memory of size 0, never NULL; a kfunc the kernel lacks is 0, the value libbpf gives a
     * {@code __weak} one (a strong one never loads). Kernel variables are not supported yet.
     */
    private RegState kernelFunctionAddress(int slot) {
        String name = ex.input().kfuncs().get(slot);
        if (name == null) {
            throw new Reject("bpf4j: kernel variables (ksym) are not supported yet");
        }
        org.bpf4j.spec.KernelTypes types = ex.input().kernelTypes();
        if (types == org.bpf4j.spec.KernelTypes.NONE) {
            throw new Reject("bpf4j: the address of kernel function " + name
                    + " needs kernel BTF (bpf4j was given none: pass a vmlinux BTF file)");
        }
        if (types.function(name).isEmpty()) {
            return RegState.constant(0);
        }
        return new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), 0, 0, 0, -1, 0, false, 0, true);
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
        if (!st.refs.isEmpty()) {
            // the load may end the program, and nothing would release them
            throw new Reject(Functions.referenceLeak(st, ex, "BPF_LD_[ABS|IND]"));
        }
        if (st.frames.size() > 1) {
            throw new Reject("BPF_LD_[ABS|IND] instructions cannot be used in subprograms");
        }
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
