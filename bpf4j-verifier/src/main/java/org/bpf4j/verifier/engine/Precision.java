package org.bpf4j.verifier.engine;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.AtomicOp;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;

/**
 * Precision tracking (the kernel's {@code mark_chain_precision} and {@code backtrack_insn}).
 * Scalars are compared by value when pruning only if their value mattered for safety somewhere
 * below the stored state; the others are "imprecise" and any scalar covers them.
 *
 * <p>When an instruction relies on a scalar's value (pointer arithmetic, a size argument, a
 * branch decided by the ranges, the return value check, a zero store), the register is marked
 * precise and the mark is carried backwards over the instructions of the path (a copy moves it
 * to the source, an operation adds its source operand, a fill moves it to the stack slot, a spill
 * back to the register, a call to the caller's argument) into every stored state on the way.
 *
 * <p>Soundness: a stored state's subtree was found safe while only the values of its precise
 * scalars influenced a safety decision. A state that agrees with it on every precise scalar (by
 * containment) and on everything else the comparison checks therefore leads to the same
 * decisions. The backward walk over-approximates the data dependencies of each instruction, and
 * a pruned path receives the stored state's precise marks, so its own ancestors stay correct.
 *
 * <p>History entries are {@code long}s: slot (bits 0-23), frame (24-27), a stack access flag (28),
 * the accessed frame (29-32), the slot index (33-38), a full spill flag (39), a zero-store flag
 * (50) and the mask of linked registers refined by a comparison (40-49), or, with flag 53, the
 * index (bits 40-49 and 54-63) of a set of linked registers and stack slots of several frames.
 */
final class Precision {
    static final long STACK = 1L << 28;
    static final long SPILL = 1L << 39;
    static final long ZERO = 1L << 50;
    /** The exit of a callback: the caller's registers were kept, r0 is not passed back. */
    static final long CALLBACK_EXIT = 1L << 51;
    /** The entry of a callback at its helper's call: the caller's registers are kept. */
    static final long CALLBACK_ENTRY = 1L << 52;
    /** The linked scalars of this entry are in the side table (see {@link #entryWithLinkSet}). */
    static final long LINK_SET = 1L << 53;

    private Precision() {
    }

    static long stackAccess(int frame, int spi, boolean spill, boolean zero) {
        return STACK | ((long) frame << 29) | ((long) spi << 33) | (spill ? SPILL : 0) | (zero ? ZERO : 0);
    }

    /**
     * A history entry whose linked scalars are {@code linkSets.get(index)} (registers and stack
     * slots per frame, see {@code VerifierState.linkedAll}); the index takes the 10 bits of the
     * linked-register mask and bits 54-63.
     */
    static long entryWithLinkSet(int slot, int frame, long stackAccess, int index) {
        return slot | ((long) frame << 24) | stackAccess | LINK_SET | ((long) (index & 0x3ff) << 40)
                | ((long) (index >>> 10) << 54);
    }

    static long entry(int slot, int frame, long stackAccess, int linked) {
        return slot | ((long) frame << 24) | stackAccess | ((long) linked << 40);
    }

    static int slot(long e) {
        return (int) (e & 0xffffff);
    }

    static int frame(long e) {
        return (int) ((e >>> 24) & 0xf);
    }

    /** If one scalar of the entry's linked set is precise, all of them are. */
    private static void syncLinked(long e, int f, long[] regs, long[] stack, java.util.List<long[]> linkSets) {
        if ((e & LINK_SET) != 0) {
            long[] set = linkSets.get((int) (((e >>> 40) & 0x3ff) | ((e >>> 54) << 10)));
            boolean any = false;
            for (int g = 0; g < regs.length && !any; g++) {
                any = (regs[g] & set[2 * g]) != 0 || (stack[g] & set[2 * g + 1]) != 0;
            }
            if (any) {
                for (int g = 0; g < regs.length; g++) {
                    regs[g] |= set[2 * g];
                    stack[g] |= set[2 * g + 1];
                }
            }
        } else {
            long linked = (e >>> 40) & 0x3ff;
            if ((regs[f] & linked) != 0) {
                regs[f] |= linked;
            }
        }
    }

    /**
     * Walks {@code hist[0..n)} backwards, updating the masks ({@code regs[f]}: bits r0-r9 of
     * frame {@code f}; {@code stack[f]}: bit per 8-byte slot) from "needed after" to "needed
     * before" each instruction.
     */
    static void backtrack(Code code, long[] hist, int n, long[] regs, long[] stack, java.util.List<long[]> linkSets) {
        for (int i = n - 1; i >= 0; i--) {
            // Every rule below only moves marks that are set: once none is, none ever will be.
            if (((i == n - 1) || (i & 7) == 7) && none(regs, stack)) {
                return;
            }
            long e = hist[i];
            int f = frame(e);
            Instruction insn = code.atSlot(slot(e));
            switch (insn) {
                case Instruction.Alu a -> {
                    long bit = 1L << a.dst();
                    if (a.op() == AluOp.MOV) {
                        if ((regs[f] & bit) != 0) {
                            regs[f] &= ~bit;
                            if (a.src() instanceof Operand.Reg r) {
                                regs[f] |= 1L << r.reg();
                            }
                        }
                    } else if ((regs[f] & bit) != 0 && a.src() instanceof Operand.Reg r) {
                        regs[f] |= 1L << r.reg();
                    }
                }
                case Instruction.MovSx m -> {
                    if ((regs[f] & (1L << m.dst())) != 0) {
                        regs[f] &= ~(1L << m.dst());
                        regs[f] |= 1L << m.src();
                    }
                }
                case Instruction.Neg g -> {
                }
                case Instruction.Endian en -> {
                }
                case Instruction.LoadImm64 l -> regs[f] &= ~(1L << l.dst());
                case Instruction.Load l -> {
                    if ((regs[f] & (1L << l.dst())) != 0) {
                        regs[f] &= ~(1L << l.dst());
                        if ((e & STACK) != 0) {
                            stack[(int) ((e >>> 29) & 0xf)] |= 1L << ((e >>> 33) & 0x3f);
                        }
                    }
                }
                case Instruction.Store s -> {
                    if ((e & STACK) != 0) {
                        int sf = (int) ((e >>> 29) & 0xf);
                        long sbit = 1L << ((e >>> 33) & 0x3f);
                        if ((stack[sf] & sbit) != 0) {
                            stack[sf] &= ~sbit;
                            if ((e & SPILL) != 0 && s.src() instanceof Operand.Reg r) {
                                regs[f] |= 1L << r.reg();
                            }
                        }
                    }
                }
                case Instruction.Atomic a -> {
                    if (a.op() == AtomicOp.LOAD_ACQ) {
                        // a load: like ldx, the value may come from a stack slot
                        if ((regs[f] & (1L << a.dst())) != 0) {
                            regs[f] &= ~(1L << a.dst());
                            if ((e & STACK) != 0) {
                                stack[(int) ((e >>> 29) & 0xf)] |= 1L << ((e >>> 33) & 0x3f);
                            }
                        }
                        continue;
                    }
                    long fetched = a.op() == AtomicOp.CMPXCHG ? 1L
                            : a.op().fetches() || a.op() == AtomicOp.XCHG ? 1L << a.src() : 0;
                    boolean needed = (regs[f] & fetched) != 0;
                    regs[f] &= ~fetched;
                    if ((e & STACK) != 0) {
                        // the slot was overwritten with an unknown value; a fetched register
                        // got the slot's old value
                        long sbit = 1L << ((e >>> 33) & 0x3f);
                        int sf = (int) ((e >>> 29) & 0xf);
                        stack[sf] &= ~sbit;
                        if (needed) {
                            stack[sf] |= sbit;
                        }
                    }
                }
                case Instruction.LoadPacket p -> regs[f] &= ~0b111111L;
                case Instruction.Jump j -> {
                    // linked scalars before and after the comparison's own rule (Linux's
                    // bt_sync_linked_regs around backtrack_insn)
                    syncLinked(e, f, regs, stack, linkSets);
                    long both = (1L << j.dst()) | (j.src() instanceof Operand.Reg r ? 1L << r.reg() : 0);
                    if (j.src() instanceof Operand.Reg && (regs[f] & both) != 0) {
                        regs[f] |= both;
                    }
                    syncLinked(e, f, regs, stack, linkSets);
                }
                case Instruction.Goto g -> {
                }
                case Instruction.MayGoto m -> {
                }
                case Instruction.Call c -> {
                    if ((e & CALLBACK_ENTRY) != 0) {
                        // the callback's arguments come from the helper, not from the caller's
                        // registers (its context pointer is a pointer, never precise)
                        if (f + 1 < regs.length) {
                            regs[f + 1] = 0;
                            stack[f + 1] = 0;
                        }
                    } else if (c.kind() == CallKind.LOCAL) {
                        if (f + 1 < regs.length) {
                            regs[f] |= regs[f + 1] & 0b111110L;
                            regs[f + 1] = 0;
                            stack[f + 1] = 0;
                        }
                    } else {
                        regs[f] &= ~0b111111L;
                        if (f + 1 < regs.length) {
                            regs[f + 1] = 0;
                            stack[f + 1] = 0;
                        }
                    }
                }
                case Instruction.CallReg c -> regs[f] &= ~0b111111L;
                case Instruction.Exit x -> {
                    if ((e & CALLBACK_EXIT) != 0) {
                        // the caller's registers went through the callback unchanged
                        regs[f] = 0;
                        stack[f] = 0;
                    } else if (f > 0) {
                        regs[f] |= regs[f - 1] & 1L;
                        regs[f - 1] &= ~0b111111L;
                    }
                }
            }
        }
    }

    /** Whether no register and no stack slot of any frame is marked. */
    static boolean none(long[] regs, long[] stack) {
        long any = 0;
        for (int f = 0; f < regs.length; f++) {
            any |= regs[f] | stack[f];
        }
        return any == 0;
    }
}
