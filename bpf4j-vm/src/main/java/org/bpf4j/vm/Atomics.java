package org.bpf4j.vm;

import java.lang.invoke.VarHandle;
import org.bpf4j.isa.AtomicOp;

/**
 * The semantics of the atomic instructions, one static method per operation and width, shared by
 * the interpreter and the JIT. Each checks bounds, writability and alignment through
 * {@link Memory}, then performs a real atomic access, so programs that share map memory across
 * threads see the guarantees they would in the kernel. 32-bit results are zero-extended.
 */
public final class Atomics {
    private Atomics() {}

    private static final VarHandle I32 = Memory.I32;
    private static final VarHandle I64 = Memory.I64;

    /**
     * Performs an atomic read-modify-write and returns the old value (zero-extended for 4 bytes).
     * The caller decides where the old value goes ({@code src} for fetch forms and xchg).
     */
    public static long fetch(Memory m, AtomicOp op, int size, long addr, long operand, int slot) {
        if (size == 8) {
            return fetch64(m, op, addr, operand, slot);
        }
        return fetch32(m, op, addr, operand, slot);
    }

    /** 64-bit atomic read-modify-write; returns the old value. */
    public static long fetch64(Memory m, AtomicOp op, long addr, long operand, int slot) {
        byte[] d = m.atomicTarget(addr, 8, slot);
        int off = (int) addr;
        return switch (op) {
            case ADD, FETCH_ADD -> (long) I64.getAndAdd(d, off, operand);
            case OR, FETCH_OR -> (long) I64.getAndBitwiseOr(d, off, operand);
            case AND, FETCH_AND -> (long) I64.getAndBitwiseAnd(d, off, operand);
            case XOR, FETCH_XOR -> (long) I64.getAndBitwiseXor(d, off, operand);
            case XCHG -> (long) I64.getAndSet(d, off, operand);
            case CMPXCHG, LOAD_ACQ, STORE_REL -> throw new IllegalArgumentException(op + " is not a fetch operation");
        };
    }

    /** 32-bit atomic read-modify-write; returns the old value zero-extended. */
    public static long fetch32(Memory m, AtomicOp op, long addr, long operand, int slot) {
        byte[] d = m.atomicTarget(addr, 4, slot);
        int off = (int) addr;
        int v = (int) operand;
        int old = switch (op) {
            case ADD, FETCH_ADD -> (int) I32.getAndAdd(d, off, v);
            case OR, FETCH_OR -> (int) I32.getAndBitwiseOr(d, off, v);
            case AND, FETCH_AND -> (int) I32.getAndBitwiseAnd(d, off, v);
            case XOR, FETCH_XOR -> (int) I32.getAndBitwiseXor(d, off, v);
            case XCHG -> (int) I32.getAndSet(d, off, v);
            case CMPXCHG, LOAD_ACQ, STORE_REL -> throw new IllegalArgumentException(op + " is not a fetch operation");
        };
        return old & 0xffff_ffffL;
    }

    /**
     * {@code cmpxchg}: if the memory equals {@code expected} (r0) it becomes {@code replacement};
     * returns the old memory value, which the instruction puts in r0.
     */
    public static long cmpxchg64(Memory m, long addr, long expected, long replacement, int slot) {
        byte[] d = m.atomicTarget(addr, 8, slot);
        return (long) I64.compareAndExchange(d, (int) addr, expected, replacement);
    }

    /** 32-bit {@code cmpxchg}, comparing the low 32 bits of r0; the old value zero-extended. */
    public static long cmpxchg32(Memory m, long addr, long expected, long replacement, int slot) {
        byte[] d = m.atomicTarget(addr, 4, slot);
        return (int) I32.compareAndExchange(d, (int) addr, (int) expected, (int) replacement) & 0xffff_ffffL;
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
