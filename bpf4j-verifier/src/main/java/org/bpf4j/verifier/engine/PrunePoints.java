package org.bpf4j.verifier.engine;

import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.HelperCatalog;

/**
 * Where the exploration considers storing and comparing states, computed once per program from
 * its instructions.
 *
 * @param prune the prune points (Linux's {@code prune_point})
 * @param jump Linux's jump points ({@code mark_jmp_point}): branch and call targets, the
 *     instruction after a call
 * @param callback calls of helpers that call a callback (their loop converges at the call)
 * @param iterNext calls of {@code bpf_iter_num_next} (an open-coded iterator's loop converges there)
 * @param mayGoto {@code may_goto} instructions (their loops converge as iterators' do)
 * @param callsKfuncs whether the program calls a kernel function (only those create iterators)
 */
record PrunePoints(boolean[] prune, boolean[] jump, boolean[] callback, boolean[] iterNext, boolean[] mayGoto,
        boolean callsKfuncs) {

    static PrunePoints of(Code code, HelperCatalog catalog, Kfuncs kfuncs) {
        int n = code.slotCount();
        boolean[] prune = new boolean[n];
        boolean[] jump = new boolean[n];
        boolean[] callback = new boolean[n];
        boolean[] iterNext = new boolean[n];
        boolean[] mayGoto = new boolean[n];
        boolean anyKfunc = false;
        // Prune points as Linux places them (its visit_insn): a conditional jump itself (one state
        // there covers both successors) and its target, a goto's target, the instruction after a
        // call, and a local call with its callee's entry.
        for (int slot = 0; slot < n; slot++) {
            Instruction insn = code.atSlot(slot);
            if (insn instanceof Instruction.Jump) {
                prune[code.targetOf(slot)] = true;
                jump[code.targetOf(slot)] = true;
                prune[slot] = true;
            } else if (insn instanceof Instruction.MayGoto) {
                // the loop a may_goto bounds converges here (Linux marks it a prune point and a
                // forced checkpoint)
                prune[slot] = true;
                prune[code.targetOf(slot)] = true;
                mayGoto[slot] = true;
            } else if (insn instanceof Instruction.Goto) {
                prune[code.targetOf(slot)] = true;
                jump[code.targetOf(slot)] = true;
            } else if (insn instanceof Instruction.Call c) {
                if (slot + 1 < n) {
                    prune[slot + 1] = true;
                    jump[slot + 1] = true;
                }
                if (c.kind() == CallKind.HELPER && catalog.byId(c.imm())
                        .map(h -> h.has(org.bpf4j.spec.HelperFlag.CALLBACK)).orElse(false)) {
                    // a callback's exit comes back here: the loop over its calls converges here
                    prune[slot] = true;
                    jump[slot] = true;
                    callback[slot] = true;
                }
                if (c.kind() == CallKind.LOCAL) {
                    prune[code.targetOf(slot)] = true;
                    jump[code.targetOf(slot)] = true;
                    prune[slot] = true;
                }
                anyKfunc |= c.kind() == CallKind.KFUNC;
                if (c.kind() == CallKind.KFUNC && kfuncs.at(slot) != null && kfuncs.at(slot).iterNext()) {
                    // an open-coded iterator's loop converges at its next() call
                    prune[slot] = true;
                    iterNext[slot] = true;
                }
            }
        }
        return new PrunePoints(prune, jump, callback, iterNext, mayGoto, anyKfunc);
    }
}
