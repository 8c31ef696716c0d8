package org.bpf4j.verifier.domain;

import java.util.Arrays;

/**
 * One stack frame of 512 bytes, byte by byte: never written ({@link #INVALID}), some data
 * ({@link #MISC}), known zero ({@link #ZERO}) or part of a spilled register ({@link #SPILL}); a
 * spilled register keeps its abstract value in the 8-byte slot it fills (the kernel's
 * {@code bpf_stack_state}). Byte {@code k} is at offset {@code -(k + 1)} from the frame pointer;
 * slot {@code k / 8} holds it. A scalar may be spilled with 1, 2 or 4 bytes at the slot's lowest
 * address (a narrow spill, as Linux does for privileged programs): those bytes are {@link #SPILL},
 * the others keep their zero or unknown contents. A slot is spilled when its lowest-addressed
 * byte (index {@code slot * 8 + 7}) is.
 *
 * <p>Mutable, owned by one verifier state; {@link #copy()} at branches.
 */
public final class StackState {
    /** Maximum size of one frame in bytes. */
    public static final int MAX = 512;
    /** Never written on this path. */
    public static final byte INVALID = 0;
    /** Written with data of unknown value. */
    public static final byte MISC = 1;
    /** Written with zeroes. */
    public static final byte ZERO = 2;
    /** Part of a spilled register. */
    public static final byte SPILL = 3;
    /** Part of an iterator or dynptr ({@link RegState.StackObject}, the kernel's STACK_ITER and STACK_DYNPTR). */
    public static final byte OBJECT = 4;

    private byte[] types;
    private RegState[] spills;
    private int depth;
    // Scratch, not part of the state (never copied or compared): the 8-byte slots whose contents
    // the current instruction looked at, and those it overwrote entirely (see takeReads).
    private long reads;
    private long writes;

    /** An empty frame. */
    public StackState() {
        types = new byte[0];
        spills = new RegState[0];
    }

    private StackState(StackState o) {
        types = o.types.clone();
        spills = o.spills.clone();
        depth = o.depth;
    }

    /** An independent copy. */
    public StackState copy() {
        return new StackState(this);
    }

    /** The deepest byte touched on this path, rounded up to 8 (what the kernel counts as stack depth). */
    public int depth() {
        return depth;
    }

    private void grow(int bytes) {
        int need = (bytes + 7) & ~7;
        if (need > types.length) {
            types = Arrays.copyOf(types, need);
            spills = Arrays.copyOf(spills, need / 8);
        }
        depth = Math.max(depth, need);
    }

    /** Marks the stack as used down to {@code -off} (for accesses that do not change it). */
    public void touch(int off) {
        grow(-off);
    }

    /** The type of the byte at offset {@code off} (negative); counts as a read of its slot. */
    public byte type(int off) {
        int k = -off - 1;
        reads |= 1L << (k / 8);
        return k < types.length ? types[k] : INVALID;
    }

    /** The register spilled in the slot holding offset {@code off}, or null; counts as a read of its slot. */
    public RegState spilled(int off) {
        int k = -off - 1;
        reads |= 1L << (k / 8);
        if (k >= types.length || types[k] != SPILL) {
            return null;
        }
        return spills[k / 8];
    }

    /** Spills {@code reg} into the 8 bytes at {@code off} (8-aligned). */
    public void spill(int off, RegState reg) {
        spill(off, reg, 8);
    }

    /**
     * Spills {@code reg} into the {@code size} bytes at {@code off} (8-aligned, the slot's lowest
     * address; {@code size < 8} only for scalars). The slot's other bytes keep zero or
     * never-written contents and become unknown data otherwise (the kernel's
     * {@code save_register_state}).
     */
    public void spill(int off, RegState reg, int size) {
        grow(-off);
        int slot = (-off - 1) / 8;
        int base = slot * 8;
        for (int i = 0; i < 8; i++) {
            if (i >= 8 - size) {
                types[base + i] = SPILL;
            } else if (types[base + i] == SPILL) {
                types[base + i] = MISC;
            }
        }
        spills[slot] = reg;
        if (size == 8) {
            writes |= 1L << slot;
        }
        // a narrow spill is not a read: the rest of the slot keeps its old contents, and a later
        // read of them marks the slot (no entire overwrite screens it)
    }

    /** How many bytes of the slot holding offset {@code off} a spilled register fills (0 when none). */
    public int spillSize(int off) {
        return spillSize(types, (-off - 1) / 8 * 8);
    }

    /** The spill size of the slot whose first byte index is {@code base} in {@code types}. */
    static int spillSize(byte[] types, int base) {
        if (base + 7 >= types.length || types[base + 7] != SPILL) {
            return 0;
        }
        int n = 1;
        while (n < 8 && types[base + 7 - n] == SPILL) {
            n++;
        }
        return n;
    }

    /**
     * Records that the contents of the {@code size} bytes at {@code off} were looked at without
     * going through {@link #type} or {@link #spilled} (a variable-offset or helper read).
     */
    public void markRead(int off, int size) {
        for (int a = off; a < off + size; a += 8) {
            reads |= 1L << ((-a - 1) / 8);
        }
        reads |= 1L << ((-(off + size - 1) - 1) / 8);
    }

    /**
     * The slots (bit {@code k} for bytes {@code -8k-8..-8k-1}) whose contents were looked at
     * since the last call, which are then forgotten. A write of part of a slot is neither a read
     * nor an overwrite (Linux's read marks): the rest of the slot keeps its old contents, which
     * matter only if a later instruction reads them, and that read is then marked.
     */
    public long takeReads() {
        long r = reads;
        reads = 0;
        return r;
    }

    /** The slots overwritten entirely since the last call, which are then forgotten. */
    public long takeWrites() {
        long w = writes;
        writes = 0;
        return w;
    }

    /**
     * Writes {@code size} bytes of plain data at {@code off}; {@code zero} when the data is known
     * zero. A spilled register partly overwritten is lost: its other bytes become {@link #MISC}.
     */
    public void write(int off, int size, boolean zero) {
        grow(-off);
        for (int slot = (-(off + size - 1) - 1) / 8; slot <= (-off - 1) / 8; slot++) {
            int lo = -(slot * 8 + 8);
            if (off <= lo && off + size >= lo + 8) {
                writes |= 1L << slot;
            }
        }
        for (int a = off; a < off + size; a++) {
            int slot = (-a - 1) / 8;
            if (types[slot * 8 + 7] == SPILL) {
                // the spilled register is lost; never-written bytes stay so (the kernel's scrub)
                for (int i = 0; i < 8; i++) {
                    if (types[slot * 8 + i] != INVALID) {
                        types[slot * 8 + i] = MISC;
                    }
                }
                spills[slot] = null;
            }
        }
        for (int a = off; a < off + size; a++) {
            types[-a - 1] = zero ? ZERO : MISC;
        }
    }

    /** Marks {@code size} bytes at {@code off} as unknown data (a helper or a variable-offset store wrote them). */
    public void clobber(int off, int size) {
        write(off, size, false);
    }

    /** Replaces each spilled register for which {@code f} returns non-null. */
    public void replaceSpills(java.util.function.UnaryOperator<RegState> f) {
        for (int slot = 0; slot < spills.length; slot++) {
            if (spills[slot] != null && types[slot * 8 + 7] == SPILL) {
                RegState n = f.apply(spills[slot]);
                if (n != null) {
                    spills[slot] = n;
                }
            }
        }
    }

    /** Replaces each spilled register for which {@code f} (given the slot index) returns non-null. */
    public void replaceSpills(java.util.function.BiFunction<Integer, RegState, RegState> f) {
        for (int slot = 0; slot < spills.length; slot++) {
            if (spills[slot] != null && types[slot * 8 + 7] == SPILL) {
                RegState n = f.apply(slot, spills[slot]);
                if (n != null) {
                    spills[slot] = n;
                }
            }
        }
    }

    /**
     * Sets to unknown each spilled scalar that differs from the one {@code old} holds in the same
     * slot, unless the slot's bit is set in {@code precise} (widening at a callback's loop).
     * Sound: an unknown scalar stands for every value.
     */
    public void widenSpills(StackState old, long precise) {
        for (int slot = 0; slot < spills.length; slot++) {
            if (types[slot * 8 + 7] != SPILL || !(spills[slot] instanceof RegState.Scalar s) || (precise & (1L << slot)) != 0) {
                continue;
            }
            RegState o = slot < old.spills.length && old.types[slot * 8 + 7] == SPILL ? old.spills[slot] : null;
            if (o instanceof RegState.Scalar && !o.equals(s)) {
                spills[slot] = RegState.unknown();
            }
        }
    }

    /**
     * Puts {@code obj} in slot {@code slot} (bytes {@code -8 * slot - 8} to {@code -8 * slot - 1}):
     * all 8 bytes become {@link #OBJECT}.
     */
    public void putObject(int slot, RegState.StackObject obj) {
        grow(slot * 8 + 8);
        Arrays.fill(types, slot * 8, slot * 8 + 8, OBJECT);
        spills[slot] = obj;
        writes |= 1L << slot;
    }

    /** The object in slot {@code slot}, or null; counts as a read of the slot. */
    public RegState.StackObject object(int slot) {
        reads |= 1L << slot;
        if (slot * 8 + 7 >= types.length || types[slot * 8 + 7] != OBJECT) {
            return null;
        }
        return (RegState.StackObject) spills[slot];
    }

    /** Empties slot {@code slot} of an object: its bytes become never written (the kernel's STACK_INVALID). */
    public void clearObject(int slot) {
        Arrays.fill(types, slot * 8, slot * 8 + 8, INVALID);
        spills[slot] = null;
        writes |= 1L << slot;
    }

    /** The slots (bit per slot) holding part of an object among the {@code size} bytes at {@code off}; no read mark. */
    public long objectSlots(int off, int size) {
        long out = 0;
        for (int a = off; a < off + size; a++) {
            int k = -a - 1;
            if (k >= 0 && k < types.length && types[k] == OBJECT) {
                out |= 1L << (k / 8);
            }
        }
        return out;
    }

    /** Replaces each object for which {@code f} returns non-null. */
    public void replaceObjects(java.util.function.UnaryOperator<RegState.StackObject> f) {
        for (int slot = 0; slot < spills.length; slot++) {
            if (types[slot * 8 + 7] == OBJECT && spills[slot] instanceof RegState.StackObject o) {
                RegState.StackObject n = f.apply(o);
                if (n != null) {
                    spills[slot] = n;
                }
            }
        }
    }

    /** Number of 8-byte slots in use. */
    public int slots() {
        return spills.length;
    }

    /** Whether every byte of this frame is at least as general as in {@code o} (for pruning; see {@code StateCompare}). */
    byte[] types() {
        return types;
    }

    RegState[] spills() {
        return spills;
    }

    /** The kernel's rendering of the used slots, such as {@code fp-8=mmmmmmmm fp-16=ctx}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int slot = 0; slot < spills.length; slot++) {
            String one = slotString(slot);
            if (!one.isEmpty()) {
                sb.append(' ').append(one);
            }
        }
        return sb.length() == 0 ? "" : sb.substring(1);
    }

    /**
     * One 8-byte slot ({@code slot} 0 is fp-8) in the kernel's notation, such as {@code fp-8=mmmm0000}
     * or {@code fp-16=ctx()} for a spill; empty when no byte of it was written.
     */
    public String slotString(int slot) {
        if (slot < 0 || slot >= spills.length) {
            return "";
        }
        int base = slot * 8;
        boolean any = false;
        for (int i = 0; i < 8; i++) {
            any |= types[base + i] != INVALID;
        }
        if (!any) {
            return "";
        }
        StringBuilder sb = new StringBuilder("fp-").append(base + 8).append('=');
        boolean zero = true;
        for (int i = 0; i < 8; i++) {
            zero &= types[base + i] == ZERO;
        }
        if (zero) {
            sb.append('0'); // Linux holds an 8-byte store of 0 as a spilled 0 and prints it so
        } else if ((types[base + 7] == SPILL || types[base + 7] == OBJECT) && spills[slot] != null) {
            sb.append(spills[slot]);
        } else {
            for (int i = 7; i >= 0; i--) {
                sb.append(switch (types[base + i]) {
                    case MISC -> 'm';
                    case ZERO -> '0';
                    case SPILL -> 'r';
                    default -> '?';
                });
            }
        }
        return sb.toString();
    }
}
