package org.bpf4j.vm;

import java.lang.invoke.VarHandle;
import org.bpf4j.isa.AtomicOp;

/**
 * The semantics of the atomic instructions, one static method per operation and width, shared by
 * the interpreter and the JIT. Each checks bounds, writability and alignment through
 * {@link Memory}, then performs the read-modify-write under a lock striped by array and address,
 * so atomic operations on shared map memory from several threads are atomic with respect to each
 * other, as in the kernel. (The JDK offers no atomic access to {@code byte[]} views; plain loads
 * and stores stay lock-free.) 32-bit results are zero-extended.
 */
public final class Atomics {
    private Atomics() {}

    private static final int STRIPES = 64;
    private static final Object[] LOCKS = new Object[STRIPES];

    static {
        for (int i = 0; i < STRIPES; i++) {
            LOCKS[i] = new Object();
        }
    }

    private static Object lock(byte[] d, int off) {
        return LOCKS[(System.identityHashCode(d) ^ (off >>> 3)) & (STRIPES - 1)];
    }

    private static long apply(AtomicOp op, long old, long operand) {
        return switch (op) {
            case ADD, FETCH_ADD -> old + operand;
            case OR, FETCH_OR -> old | operand;
            case AND, FETCH_AND -> old & operand;
            case XOR, FETCH_XOR -> old ^ operand;
            case XCHG -> operand;
            case CMPXCHG, LOAD_ACQ, STORE_REL -> throw new IllegalArgumentException(op + " is not a fetch operation");
        };
    }

    /**
     * Performs an atomic read-modify-write and returns the old value (zero-extended for 4 bytes).
     * The caller decides where the old value goes ({@code src} for fetch forms and xchg).
     */
    public static long fetch(Memory m, AtomicOp op, int size, long addr, long operand, int slot) {
        return size == 8 ? fetch64(m, op, addr, operand, slot) : fetch32(m, op, addr, operand, slot);
    }

    /** 64-bit atomic read-modify-write; returns the old value. */
    public static long fetch64(Memory m, AtomicOp op, long addr, long operand, int slot) {
        byte[] d = m.atomicTarget(addr, 8, slot);
        int off = (int) addr;
        synchronized (lock(d, off)) {
            long old = (long) Memory.I64.get(d, off);
            Memory.I64.set(d, off, apply(op, old, operand));
            return old;
        }
    }

    /** 32-bit atomic read-modify-write; returns the old value zero-extended. */
    public static long fetch32(Memory m, AtomicOp op, long addr, long operand, int slot) {
        byte[] d = m.atomicTarget(addr, 4, slot);
        int off = (int) addr;
        synchronized (lock(d, off)) {
            int old = (int) Memory.I32.get(d, off);
            Memory.I32.set(d, off, (int) apply(op, old, operand));
            return old & 0xffff_ffffL;
        }
    }

    /**
     * {@code cmpxchg}: if the memory equals {@code expected} (r0) it becomes {@code replacement};
     * returns the old memory value, which the instruction puts in r0.
     */
    public static long cmpxchg64(Memory m, long addr, long expected, long replacement, int slot) {
        byte[] d = m.atomicTarget(addr, 8, slot);
        int off = (int) addr;
        synchronized (lock(d, off)) {
            long old = (long) Memory.I64.get(d, off);
            if (old == expected) {
                Memory.I64.set(d, off, replacement);
            }
            return old;
        }
    }

    /** 32-bit {@code cmpxchg}, comparing the low 32 bits of r0; the old value zero-extended. */
    public static long cmpxchg32(Memory m, long addr, long expected, long replacement, int slot) {
        byte[] d = m.atomicTarget(addr, 4, slot);
        int off = (int) addr;
        synchronized (lock(d, off)) {
            int old = (int) Memory.I32.get(d, off);
            if (old == (int) expected) {
                Memory.I32.set(d, off, (int) replacement);
            }
            return old & 0xffff_ffffL;
        }
    }

    /** Load-acquire of 1, 2, 4 or 8 bytes, zero-extended. */
    public static long loadAcquire(Memory m, long addr, int size, int slot) {
        long v = Memory.load(m, addr, size, slot);
        VarHandle.acquireFence();
        return v;
    }

    /** Store-release of 1, 2, 4 or 8 bytes. */
    public static void storeRelease(Memory m, long addr, int size, long value, int slot) {
        VarHandle.releaseFence();
        Memory.store(m, addr, size, value, slot);
    }
}
