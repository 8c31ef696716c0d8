package org.bpf4j.jit;

import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.vm.Memory;

/**
 * How compiled code performs each load and store, decided from the verifier's facts
 * ({@link AccessFacts}); without facts (an unverified program) every access is {@link #CHECKED}.
 * Immutable.
 *
 * <ul>
 *   <li>{@link #FRAME_CONSTANT}: every path proved the access inside the running function's own
 *       stack frame at one offset: the frame's array at a constant index, the address never
 *       computed. Used only where R10 is known to be the frame pointer (as for accesses through
 *       R10 itself, which need no facts).
 *   <li>{@link #FRAME_VARIABLE}: proved inside the running function's frame at an offset known
 *       only within a range: the frame's array at the address's low 32 bits (its offset in the
 *       frame's region), with no region test.
 *   <li>{@link #PROVED_TABLE}: proved inside the program's input memory (the region R1 points to
 *       at entry under the conformance convention), outside loops, and every store to it: the
 *       input's array, fetched once per run from the load or store table (so a read-only input
 *       has no bytes for stores) and kept in the execution's state, instead of the region table,
 *       at the address's low half; the bounds test stays, with the checked accessor behind it.
 *       (The array with no test of its own ran the checksum loop 1.6x slower: C2's implicit
 *       index check of an index that is the low half of a 64-bit sum stays in the loop.)
 *   <li>{@link #INPUT_SEGMENT}: a load proved inside the input, inside a loop (between a
 *       backward jump and its target): the input as a {@link java.lang.foreign.MemorySegment}
 *       over its array ({@link JitRuntime#inputLoad8} and its kin: made once per array and kept
 *       in the execution's state) at the address minus the input's base address. The segment's
 *       own bounds test is a long comparison of an offset that moves with the loop counter, which
 *       C2 hoists out of counted loops (the checksum loop became three instructions per byte,
 *       unrolled eight times, with no test, against seven with a test per byte in the array
 *       form: 0.82x of the kernel's time instead of 1.02x); an address the facts got wrong
 *       (another region, or past the end) fails that test and the run ends with a
 *       {@code MEMORY} trap. Outside loops the segment's test costs more than the array's (48
 *       loads in straight-line code: 100 ns against 60), so those keep the array form.
 *   <li>{@link #CONTEXT}: proved to be a field of the program's context: a direct call of
 *       {@link Memory#loadContext} or {@link Memory#storeContext}, which hand the access to the
 *       context region (the region table holds no bytes for a context, so the inline test of a
 *       checked access always failed into its slow path) and give any other address to the
 *       checked accessor: the interpreter's semantics whether the fact holds or not.
 *   <li>{@link #CHECKED}: the interpreter's checks, inline, with the checked accessor out of line
 *       (in a program without any facts, {@link #NONE}, a call of the checked accessor itself:
 *       see {@code MethodEmitter.inlineChecks}). Everything else: no facts, regions not proved, a slot reached with several regions, map
 *       values, ring buffer records, map keys and helper memory (possibly shared regions, adopted
 *       by the slow path of their first access, so a proved access still needs the region test
 *       and a way to the slow path, which is all the checked form has besides its bounds test),
 *       packets (replaced by helpers; tried without checks through the region table, the loop was
 *       slower than with the inline checks), other frames, atomics and legacy packet loads.
 * </ul>
 *
 * <p><b>Wrong facts cannot break the sandbox.</b> The two unchecked forms (the frame ones) cannot
 * reach memory outside the execution's own arrays: each indexes the current frame's
 * {@code byte[]}, and the JVM checks every index. Facts
 * that lie can make a program read or write other bytes of its own frame or region (as a wrong
 * program can), or end its run with {@link org.bpf4j.vm.VmTrapException.Kind#MEMORY} when the
 * JVM's own check fails (the JIT turns the JVM's exception into that trap); they cannot touch the
 * host's memory or another execution's. A constant frame index outside the frame is never
 * emitted: such a fact is ignored.
 *
 * <p><b>Comparisons.</b> An unsigned conditional jump whose operands the verifier found of one
 * sign on every path ({@link AccessFacts#signedCompare}) is compiled as the signed comparison
 * ({@link #signedCompare}): HotSpot's C2 makes a counted loop only of a loop whose exit test is
 * signed, and then drops the safepoint poll from the loop's body and unrolls it (the checksum loop
 * ran 1.5x as fast; see docs/jit.md). A fact that lies changes which branch is
 * taken, as a wrong program can; it cannot reach memory, since every access keeps its checks or
 * the JVM's.
 */
final class AccessPlan {
    static final byte CHECKED = 0;
    static final byte FRAME_CONSTANT = 1;
    static final byte FRAME_VARIABLE = 2;
    static final byte PROVED_TABLE = 3;
    static final byte CONTEXT = 4;
    static final byte INPUT_SEGMENT = 5;

    /** Every access checked. */
    static final AccessPlan NONE = new AccessPlan(new byte[0], new int[0], false, false, new boolean[0]);

    private final byte[] kind;
    private final int[] frameIndex;
    private final boolean any;
    private final boolean segment;
    private final boolean[] signedCompare;

    private AccessPlan(byte[] kind, int[] frameIndex, boolean any, boolean segment, boolean[] signedCompare) {
        this.kind = kind;
        this.frameIndex = frameIndex;
        this.any = any;
        this.segment = segment;
        this.signedCompare = signedCompare;
    }

    /** The plan for {@code code} from facts about it (facts about other instructions are ignored). */
    static AccessPlan of(Code code, AccessFacts facts) {
        int n = code.slotCount();
        byte[] kind = new byte[n];
        int[] index = new int[n];
        boolean[] signed = new boolean[n];
        boolean any = false;
        boolean[] inLoop = loops(code);
        for (int s = 0; s < n && s < facts.slotCount(); s++) {
            if (code.atSlot(s) instanceof Instruction.Jump && facts.signedCompare(s)) {
                signed[s] = true;
                any = true;
            }
            var f = facts.at(s);
            if (f.isEmpty() || !f.get().inBounds() || f.get().region().isEmpty()) {
                continue;
            }
            int size;
            switch (code.atSlot(s)) {
                case Instruction.Load l -> size = l.size().bytes();
                case Instruction.Store st -> size = st.size().bytes();
                default -> {
                    continue; // atomics keep the checked accessors; other instructions have no accesses
                }
            }
            AccessFacts.Access a = f.get();
            byte k = switch (a.region().get()) {
                case STACK -> {
                    if (a.constantOffset()) {
                        long i = Memory.STACK_FRAME_SIZE + a.minOffset();
                        if (i < 0 || i + size > Memory.STACK_FRAME_SIZE) {
                            yield CHECKED; // not inside a frame: a wrong fact, ignored
                        }
                        index[s] = (int) i;
                        yield FRAME_CONSTANT;
                    }
                    yield FRAME_VARIABLE;
                }
                case INPUT -> code.atSlot(s) instanceof Instruction.Load && inLoop[s] ? INPUT_SEGMENT : PROVED_TABLE;
                case CTX -> CONTEXT;
                // packets are replaced by helpers; map values, helper memory and global functions'
                // arguments may be shared regions not adopted yet (see the class comment)
                case PACKET, PACKET_META, MEMORY, CALLER_STACK, MAP_VALUE, MAP_KEY, MAP_STRUCT, RINGBUF, SOCKET,
                     KERNEL_OBJECT ->
                    CHECKED;
            };
            kind[s] = k;
            any |= k != CHECKED;
        }
        boolean segment = false;
        for (byte k : kind) {
            segment |= k == INPUT_SEGMENT;
        }
        return new AccessPlan(kind, index, any, segment, signed);
    }

    /** The slots between a backward jump (conditional or not, or {@code may_goto}) and its target. */
    private static boolean[] loops(Code code) {
        int n = code.slotCount();
        int[] opened = new int[n + 1]; // loops starting at a slot, minus loops ending just before it
        for (int s = 0; s < n; s++) {
            int target = switch (code.atSlot(s)) {
                case Instruction.Jump j -> s + 1 + j.off();
                case Instruction.Goto g -> s + 1 + g.offset();
                case Instruction.MayGoto g -> s + 1 + g.offset();
                case null, default -> s + 1;
            };
            if (target <= s) {
                opened[Math.max(0, target)]++;
                opened[s + 1]--;
            }
        }
        boolean[] in = new boolean[n];
        int open = 0;
        for (int s = 0; s < n; s++) {
            open += opened[s];
            in[s] = open > 0;
        }
        return in;
    }

    /** Whether the unsigned conditional jump at a slot is compiled as the signed comparison. */
    boolean signedCompare(int slot) {
        return slot < signedCompare.length && signedCompare[slot];
    }

    /** The form of the access at a slot. */
    byte kind(int slot) {
        return slot < kind.length ? kind[slot] : CHECKED;
    }

    /** For {@link #FRAME_CONSTANT}: the index of the access's first byte in the frame's array. */
    int frameIndex(int slot) {
        return frameIndex[slot];
    }

    /** Whether some load reads the input's segment ({@link #INPUT_SEGMENT}). */
    boolean usesInputSegment() {
        return segment;
    }

    /** Whether any access is unchecked or any comparison signed. */
    boolean any() {
        return any;
    }
}
