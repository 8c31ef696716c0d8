package org.bpf4j.jit;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.vm.Helper;
import org.bpf4j.vm.HelperRegistry;
import org.bpf4j.vm.Imm64;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.map.BpfMap;

/**
 * A program as the compiler reads it: the instruction at each slot, the value of each
 * {@code lddw} (map handles and value addresses resolved as the interpreter's lowering resolves
 * them), and the helper each helper call is bound to. Immutable; holds no reference to the
 * {@link VmProgram}, so a compiled program does not keep its source alive.
 */
final class ProgramImage {
    /** The Linux id of {@code bpf_tail_call}, which the engines implement themselves. */
    static final int TAIL_CALL_HELPER = 12;

    final String name;
    /** Number of slots; slot {@code slots} is the end of the program, where falling in traps. */
    final int slots;
    /** The instruction at each slot, null for the second half of an lddw and for the end. */
    final Instruction[] insn;
    /** The value of the lddw at each slot. */
    final long[] wide;
    /** For each helper call slot, the index of its helper in {@link #helpers}; -1 elsewhere. */
    final int[] helperIndex;
    final List<Helper> helpers;
    final List<String> helperNames;
    /**
     * True when the program was loaded with no instruction budget ({@link Long#MAX_VALUE}, for
     * verified programs): compiled code then charges nothing.
     */
    final boolean unbudgeted;
    /** How each load and store is compiled: checked, or unchecked where the verifier proved it. */
    final AccessPlan access;

    private ProgramImage(String name, Code code, HelperRegistry registry, List<BpfMap> maps, boolean unbudgeted,
            AccessPlan access) {
        this.name = name;
        this.unbudgeted = unbudgeted;
        this.access = access;
        this.slots = code.slotCount();
        this.insn = new Instruction[slots + 1];
        this.wide = new long[slots + 1];
        this.helperIndex = new int[slots + 1];
        List<Helper> hs = new ArrayList<>();
        List<String> names = new ArrayList<>();
        Map<Integer, Integer> byId = new HashMap<>();
        for (int s = 0; s < slots; s++) {
            Instruction i = code.atSlot(s);
            insn[s] = i;
            helperIndex[s] = -1;
            if (i instanceof Instruction.LoadImm64 l) {
                wide[s] = Imm64.value(l, s, maps);
            } else if (i instanceof Instruction.Call c && c.kind() == CallKind.HELPER && c.imm() != TAIL_CALL_HELPER) {
                final int slot = s;
                Integer index = byId.get(c.imm());
                if (index == null) {
                    Helper h = registry.byId(c.imm()).orElseThrow(() -> new UnsupportedFeatureException(
                            "instruction " + slot + ": call of helper " + registry.describe(c.imm())
                                    + ", which the VM does not implement"));
                    index = hs.size();
                    hs.add(h);
                    names.add(registry.describe(c.imm()));
                    byId.put(c.imm(), index);
                }
                helperIndex[s] = index;
            } else if (i instanceof Instruction.Call c && c.kind() == CallKind.KFUNC) {
                throw new UnsupportedFeatureException("instruction " + s + ": call of kernel function (kfunc) "
                        + "with BTF id " + c.imm() + ": the VM does not provide kfuncs");
            }
        }
        helperIndex[slots] = -1;
        this.helpers = List.copyOf(hs);
        this.helperNames = List.copyOf(names);
    }

    /** The image of a loaded program, with every access checked. */
    static ProgramImage of(VmProgram program) {
        return of(program, AccessPlan.NONE);
    }

    /** The image of a loaded program, with its accesses compiled as {@code access} says. */
    static ProgramImage of(VmProgram program, AccessPlan access) {
        return new ProgramImage(program.name(), program.code(), program.helpers(), program.maps(),
                program.options().instructionBudget() == Long.MAX_VALUE, access);
    }

    /** True if an instruction starts at the slot, or the slot is the end of the program. */
    boolean isInstructionStart(int slot) {
        return slot >= 0 && slot <= slots && (slot == slots || insn[slot] != null);
    }

    /** True for the code-address lddw targets: functions that helpers or callx may enter. */
    List<Integer> codeAddressTargets() {
        List<Integer> out = new ArrayList<>();
        for (int s = 0; s < slots; s++) {
            if (insn[s] instanceof Instruction.LoadImm64 l && l.kind() == org.bpf4j.isa.Imm64Kind.CODE_ADDRESS) {
                out.add(s + 1 + l.imm());
            }
        }
        return out;
    }
}
