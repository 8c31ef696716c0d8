package org.bpf4j.vm;

import java.lang.invoke.VarHandle;
import org.bpf4j.isa.AtomicOp;

/**
 * The semantics of the atomic instructions, one static method per operation and width, shared by
 * the interpreter and the JIT. Each checks bounds, writability and alignment through
 * {@link Memory}, then performs the read-modify-write with the atomic access modes of the
 * little-endian {@code byte[]} view {@link VarHandle}s ({@code getAndAdd},
 * {@code getAndBitwiseOr}, {@code compareAndExchange}, ...), so atomic operations on shared map
 * memory from several threads are atomic with respect to each other, as in the kernel, with no
 * lock. Those modes need the accessed bytes aligned in memory, which the alignment check gives
 * when the JVM places the first byte of a {@code byte[]} at an 8-byte boundary (HotSpot on 64-bit
 * platforms; not with {@code -XX:+UseCompactObjectHeaders}): a probe at class initialisation
 * checks that, and where it fails every atomic operation takes a lock striped by array and
 * address instead. 32-bit results are zero-extended.
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

    /** Whether the views' atomic access modes work on aligned offsets here (else the striped locks). */
    static final boolean VIEW_ATOMICS = probe();

    private static boolean probe() {
        byte[] b = new byte[16];
        try {
            Memory.I64.getAndAdd(b, 0, 1L);
            Memory.I64.getAndAdd(b, 8, 1L);
            Memory.I32.getAndAdd(b, 4, 1);
            return (long) Memory.I64.get(b, 0) == 1 && (long) Memory.I64.get(b, 8) == 1;
        } catch (IllegalStateException | UnsupportedOperationException e) {
            return false; // the arrays' bytes are not 8-aligned in memory on this JVM
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
        if (VIEW_ATOMICS) {
            return switch (op) {
                case ADD, FETCH_ADD -> (long) Memory.I64.getAndAdd(d, off, operand);
                case OR, FETCH_OR -> (long) Memory.I64.getAndBitwiseOr(d, off, operand);
                case AND, FETCH_AND -> (long) Memory.I64.getAndBitwiseAnd(d, off, operand);
                case XOR, FETCH_XOR -> (long) Memory.I64.getAndBitwiseXor(d, off, operand);
                case XCHG -> (long) Memory.I64.getAndSet(d, off, operand);
                case CMPXCHG, LOAD_ACQ, STORE_REL -> throw new IllegalArgumentException(op + " is not a fetch operation");
            };
        }
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
        if (VIEW_ATOMICS) {
            int v = (int) operand;
            int old = switch (op) {
                case ADD, FETCH_ADD -> (int) Memory.I32.getAndAdd(d, off, v);
                case OR, FETCH_OR -> (int) Memory.I32.getAndBitwiseOr(d, off, v);
                case AND, FETCH_AND -> (int) Memory.I32.getAndBitwiseAnd(d, off, v);
                case XOR, FETCH_XOR -> (int) Memory.I32.getAndBitwiseXor(d, off, v);
                case XCHG -> (int) Memory.I32.getAndSet(d, off, v);
                case CMPXCHG, LOAD_ACQ, STORE_REL -> throw new IllegalArgumentException(op + " is not a fetch operation");
            };
            return old & 0xffff_ffffL;
        }
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
        if (VIEW_ATOMICS) {
            return (long) Memory.I64.compareAndExchange(d, off, expected, replacement);
        }
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
        if (VIEW_ATOMICS) {
            return (int) Memory.I32.compareAndExchange(d, off, (int) expected, (int) replacement) & 0xffff_ffffL;
        }
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
