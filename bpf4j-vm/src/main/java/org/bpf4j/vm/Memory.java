package org.bpf4j.vm;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The memory sandbox of one execution: a table of regions, each a bounds-checked byte array.
 *
 * <p>A VM pointer is a 64-bit value whose upper 32 bits name a region and whose lower 32 bits are
 * an offset into it ({@link #address(int, int)}). Region 0 is empty, so the null pointer and every
 * small integer fault. Every load, store and atomic checks the region and the bounds; a pointer
 * that pointer arithmetic moved outside its region lands in a region id whose bounds cannot
 * contain it, so it faults too. A region may be read-only: it is then absent from the table that
 * stores consult.
 *
 * <p>The accessors are static methods shared by the interpreter and the JIT (one place for the
 * semantics). An instance is confined to one thread at a time.
 */
public final class Memory {
    /** Bytes in one stack frame, as in Linux. */
    public static final int STACK_FRAME_SIZE = 512;
    /** Maximum call depth including the entry function, as in Linux. */
    public static final int MAX_CALL_FRAMES = 8;
    /** The first region id used for stack frames; frame {@code d} is region {@code FIRST_STACK_REGION + d}. */
    static final int FIRST_STACK_REGION = 1;
    /** Region id that code addresses ({@code lddw} of a function) point into; it has no bytes. */
    public static final int CODE_REGION = 0x7fff_fff0;
    /** Region id that map handles ({@code lddw} of a map) point into; it has no bytes. */
    public static final int MAP_HANDLE_REGION = 0x7fff_fff1;

    private static final byte[] NONE = new byte[0];
    static final VarHandle I16 = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    static final VarHandle I64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    /** Regions by id, for loads. Unused ids hold an empty array. */
    byte[][] readable;
    /** Regions by id, for stores: read-only regions hold an empty array here. */
    byte[][] writable;
    private String[] names;
    private int count;
    /** Context regions by id (null for other regions); their table entries are empty, so every access takes the slow path. */
    private ContextRegion[] contexts = new ContextRegion[0];

    /** Retired region ids, oldest first: given again once every id is taken ({@link #add}). */
    private final java.util.ArrayDeque<Integer> retired = new java.util.ArrayDeque<>();

    /** A sandbox with the stack frames and no other region. */
    public Memory() {
        int initial = 16;
        readable = new byte[initial][];
        writable = new byte[initial][];
        names = new String[initial];
        Arrays.fill(readable, NONE);
        Arrays.fill(writable, NONE);
        names[0] = "null";
        count = FIRST_STACK_REGION;
        for (int d = 0; d < MAX_CALL_FRAMES; d++) {
            add("stack frame " + d, new byte[STACK_FRAME_SIZE], true);
        }
    }

    /** The address of an offset into a region. */
    public static long address(int region, int offset) {
        return ((long) region << 32) + offset;
    }

    /** The region id of an address. */
    public static int regionOf(long address) {
        return (int) (address >>> 32);
    }

    /** The frame pointer (R10) of the frame at a call depth: one past its last byte. */
    public static long framePointer(int depth) {
        return address(FIRST_STACK_REGION + depth, STACK_FRAME_SIZE);
    }

    /**
     * Adds a region backed by {@code data} (not copied: the program sees and changes the array)
     * and returns the address of its first byte.
     */
    public long add(String name, byte[] data, boolean writableByProgram) {
        if (count == SharedRegions.FIRST_ID) {
            // Every id is taken: the oldest retired region is given again (a program that changes
            // its packet in a loop retires a window per helper call; the kernel has no such limit).
            // A stale pointer into it, which the kernel's verifier would have refused, then reads
            // the new region: still this execution's own memory.
            Integer reused = retired.pollFirst();
            if (reused == null) {
                throw new org.bpf4j.Bpf4jException("an execution may have at most " + (SharedRegions.FIRST_ID - 1)
                        + " regions of its own");
            }
            readable[reused] = data;
            writable[reused] = writableByProgram ? data : NONE;
            names[reused] = name;
            return address(reused, 0);
        }
        if (count == readable.length) {
            int n = count * 2;
            readable = Arrays.copyOf(readable, n);
            writable = Arrays.copyOf(writable, n);
            names = Arrays.copyOf(names, n);
            Arrays.fill(readable, count, n, NONE);
            Arrays.fill(writable, count, n, NONE);
        }
        int id = count++;
        readable[id] = data;
        writable[id] = writableByProgram ? data : NONE;
        names[id] = name;
        return address(id, 0);
    }

    /** Clears the stack frame at a call depth (done on every entry, so no run sees another's data). */
    public void clearFrame(int depth) {
        Arrays.fill(readable[FIRST_STACK_REGION + depth], (byte) 0);
    }

    /**
     * The bytes of the stack frame at a call depth, for engines that access the current frame
     * directly where they proved the address in bounds. The array lives as long as this memory.
     */
    public byte[] frame(int depth) {
        return readable[FIRST_STACK_REGION + depth];
    }

    /**
     * For compiled engines that inline the fast path of {@link #load8} and friends: the table of
     * regions by id that loads consult (unused ids and context regions hold an empty array). The
     * array and its entries change only when regions are added, adopted, retired or reset, which
     * happens in helpers, on the slow path of an access, and between runs: an engine that keeps
     * the table across code must fetch it again after each of those, and must take the checked
     * accessor (the slow path) for any access the table does not serve.
     */
    public byte[][] loadTable() {
        return readable;
    }

    /** Like {@link #loadTable()}, for stores: read-only regions hold an empty array. */
    public byte[][] storeTable() {
        return writable;
    }

    private final long[] scratch = new long[MAX_CALL_FRAMES + 1];

    /**
     * A read-only scratch region of at least {@code size} bytes (512 or more) private to one call
     * depth, for helpers that hand a program a pointer to data of their own (the key of a
     * {@code for_each_map_elem} callback, as large as the map's keys). Returns its array;
     * {@link #scratchAddress(int)} is its address (a larger size than before gives a new region).
     */
    public byte[] scratch(int depth, int size) {
        long addr = scratch[depth];
        if (addr == 0 || readable[regionOf(addr)].length < size) {
            addr = add("helper scratch " + depth, new byte[Math.max(size, STACK_FRAME_SIZE)], false);
            scratch[depth] = addr;
        }
        return readable[regionOf(addr)];
    }

    /** The address of the scratch region of a call depth (after {@link #scratch(int, int)}). */
    public long scratchAddress(int depth) {
        return scratch[depth];
    }

    /** Removes every region added after the stack frames, for reuse by the next run (addresses into them fault). */
    public void reset() {
        Arrays.fill(scratch, 0);
        Arrays.fill(contexts, null);
        for (int i = FIRST_STACK_REGION + MAX_CALL_FRAMES; i < count; i++) {
            readable[i] = NONE;
            writable[i] = NONE;
            names[i] = null;
        }
        count = FIRST_STACK_REGION + MAX_CALL_FRAMES;
        retired.clear();
    }

    // ---- checked accesses: the one definition of memory semantics ----

    /** Loads {@code size} bytes (1, 2, 4 or 8), zero-extended. */
    public static long load(Memory m, long addr, int size, int slot) {
        return switch (size) {
            case 1 -> load8(m, addr, slot);
            case 2 -> load16(m, addr, slot);
            case 4 -> load32(m, addr, slot);
            default -> load64(m, addr, slot);
        };
    }

    /** Stores the low {@code size} bytes (1, 2, 4 or 8) of a value. */
    public static void store(Memory m, long addr, int size, long value, int slot) {
        switch (size) {
            case 1 -> store8(m, addr, value, slot);
            case 2 -> store16(m, addr, value, slot);
            case 4 -> store32(m, addr, value, slot);
            default -> store64(m, addr, value, slot);
        }
    }

    /** Loads one byte, zero-extended. */
    public static long load8(Memory m, long addr, int slot) {
        byte[] d = region(m.readable, addr);
        int off = (int) addr;
        if (off < 0 || off >= d.length) {
            return m.slowLoad(addr, 1, slot);
        }
        return d[off] & 0xffL;
    }

    /** Loads two bytes little-endian, zero-extended. */
    public static long load16(Memory m, long addr, int slot) {
        byte[] d = region(m.readable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 2) {
            return m.slowLoad(addr, 2, slot);
        }
        return (short) I16.get(d, off) & 0xffffL;
    }

    /** Loads four bytes little-endian, zero-extended. */
    public static long load32(Memory m, long addr, int slot) {
        byte[] d = region(m.readable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 4) {
            return m.slowLoad(addr, 4, slot);
        }
        return (int) I32.get(d, off) & 0xffffffffL;
    }

    /** Loads eight bytes little-endian. */
    public static long load64(Memory m, long addr, int slot) {
        byte[] d = region(m.readable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 8) {
            return m.slowLoad(addr, 8, slot);
        }
        return (long) I64.get(d, off);
    }

    /** Stores one byte. */
    public static void store8(Memory m, long addr, long value, int slot) {
        byte[] d = region(m.writable, addr);
        int off = (int) addr;
        if (off < 0 || off >= d.length) {
            m.slowStore(addr, 1, value, slot);
            return;
        }
        d[off] = (byte) value;
    }

    /** Stores two bytes little-endian. */
    public static void store16(Memory m, long addr, long value, int slot) {
        byte[] d = region(m.writable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 2) {
            m.slowStore(addr, 2, value, slot);
            return;
        }
        I16.set(d, off, (short) value);
    }

    /** Stores four bytes little-endian. */
    public static void store32(Memory m, long addr, long value, int slot) {
        byte[] d = region(m.writable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 4) {
            m.slowStore(addr, 4, value, slot);
            return;
        }
        I32.set(d, off, (int) value);
    }

    /** Stores eight bytes little-endian. */
    public static void store64(Memory m, long addr, long value, int slot) {
        byte[] d = region(m.writable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - 8) {
            m.slowStore(addr, 8, value, slot);
            return;
        }
        I64.set(d, off, value);
    }

    /**
     * Installs the shared region an address points into, if this memory has not seen it yet.
     * Returns true if it did (the caller retries the access once), false if the access is a fault.
     */
    boolean adopt(long addr) {
        int id = (int) (addr >>> 32);
        if (id < SharedRegions.FIRST_ID || (id < readable.length && readable[id] != NONE)) {
            return false;
        }
        SharedRegions.Entry e = SharedRegions.get(id);
        if (e == null) {
            return false;
        }
        if (id >= readable.length) {
            int old = readable.length;
            int n = Math.max(id + 1, old * 2);
            readable = Arrays.copyOf(readable, n);
            writable = Arrays.copyOf(writable, n);
            names = Arrays.copyOf(names, n);
            Arrays.fill(readable, old, n, NONE);
            Arrays.fill(writable, old, n, NONE);
        }
        readable[id] = e.data();
        writable[id] = e.writable() ? e.data() : NONE;
        names[id] = e.name();
        return true;
    }

    /**
     * The slow path of a load that missed the region table: a context region (served by its
     * {@link ContextRegion}), a shared region seen for the first time, or a fault.
     */
    private long slowLoad(long addr, int size, int slot) {
        int id = (int) (addr >>> 32);
        if (id > 0 && id < contexts.length && contexts[id] != null) {
            return contexts[id].load((int) addr, size, slot);
        }
        if (adopt(addr)) {
            return load(this, addr, size, slot);
        }
        throw fault(addr, size, false, slot);
    }

    /** The slow path of a store that missed the region table (see {@link #slowLoad}). */
    private void slowStore(long addr, int size, long value, int slot) {
        int id = (int) (addr >>> 32);
        if (id > 0 && id < contexts.length && contexts[id] != null) {
            contexts[id].store((int) addr, size, value, slot);
            return;
        }
        if (adopt(addr)) {
            store(this, addr, size, value, slot);
            return;
        }
        throw fault(addr, size, true, slot);
    }

    /**
     * For compiled engines, a load the verifier found to be of a context field: handed straight
     * to the context region when {@code addr} points into one, else (a fact that did not hold)
     * to the checked accessor {@link #load(Memory, long, int, int)}. Either way the interpreter's
     * semantics, including its traps.
     */
    public static long loadContext(Memory m, long addr, int size, int slot) {
        ContextRegion c = m.context(addr);
        return c != null ? c.load((int) addr, size, slot) : load(m, addr, size, slot);
    }

    /** The store counterpart of {@link #loadContext}. */
    public static void storeContext(Memory m, long addr, int size, long value, int slot) {
        ContextRegion c = m.context(addr);
        if (c != null) {
            c.store((int) addr, size, value, slot);
        } else {
            store(m, addr, size, value, slot);
        }
    }

    /**
     * Adds a context region: loads and stores of it go to {@code context}, which decides what each
     * offset holds (a context field may read as a pointer, as the kernel's context rewrite makes it),
     * which accesses are allowed, and what a store does. Helpers cannot read or write it as bytes.
     * Returns the address of its first byte.
     */
    public long addContext(String name, ContextRegion context) {
        long addr = add(name, NONE, false);
        int id = regionOf(addr);
        if (id >= contexts.length) {
            contexts = Arrays.copyOf(contexts, Math.max(id + 1, contexts.length * 2));
        }
        contexts[id] = context;
        return addr;
    }

    /** The context region an address points into, or null. */
    public ContextRegion context(long addr) {
        int id = regionOf(addr);
        return id > 0 && id < contexts.length ? contexts[id] : null;
    }

    /**
     * Ends a region: every later access through an address into it faults, as an access through a
     * packet pointer the kernel's verifier invalidated after a helper changed the packet.
     */
    public void retire(long addr) {
        int id = regionOf(addr);
        if (id < FIRST_STACK_REGION + MAX_CALL_FRAMES || id >= count) {
            throw new IllegalArgumentException("region " + id + " cannot be retired");
        }
        readable[id] = NONE;
        writable[id] = NONE;
        if (id < contexts.length) {
            contexts[id] = null;
        }
        names[id] = names[id] + " (invalidated by a helper that changed the packet)";
        retired.addLast(id);
    }

    /** The bytes of a region this memory owns (not a shared one), for the owner of the region. */
    public byte[] bytes(long addr) {
        return readable[regionOf(addr)];
    }

    private static byte[] region(byte[][] table, long addr) {
        int id = (int) (addr >>> 32);
        return id >= 0 && id < table.length ? table[id] : NONE;
    }

    /**
     * The array and offset of an atomic access of {@code size} bytes, checked for bounds,
     * writability and alignment. Used by {@link Atomics}.
     */
    byte[] atomicTarget(long addr, int size, int slot) {
        byte[] d = region(writable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - size) {
            if (adopt(addr)) {
                return atomicTarget(addr, size, slot);
            }
            throw fault(addr, size, true, slot);
        }
        if ((off & (size - 1)) != 0) {
            throw new VmTrapException(VmTrapException.Kind.MISALIGNED, slot, "misaligned atomic access of "
                    + size + " bytes at " + hex(addr) + " (" + describe(addr) + ")");
        }
        return d;
    }

    /** Copies bytes out of the sandbox, checked; for helpers. */
    public byte[] read(long addr, int length, int slot) {
        byte[] d = region(readable, addr);
        int off = (int) addr;
        if (length < 0 || off < 0 || off > d.length - length) {
            if (adopt(addr)) {
                return read(addr, length, slot);
            }
            throw fault(addr, length, false, slot);
        }
        return Arrays.copyOfRange(d, off, off + length);
    }

    /** Sets {@code length} bytes at {@code addr} to {@code value}, checked before anything is written; for helpers. */
    public void fill(long addr, long length, byte value, int slot) {
        byte[] d = region(writable, addr);
        int off = (int) addr;
        if (length < 0 || off < 0 || length > d.length - off) {
            if (adopt(addr)) {
                fill(addr, length, value, slot);
                return;
            }
            throw fault(addr, (int) Math.min(length, Integer.MAX_VALUE), true, slot);
        }
        Arrays.fill(d, off, off + (int) length, value);
    }

    /**
     * Traps as {@link #write} would unless {@code length} bytes at {@code addr} may be written; for
     * helpers that must check a program-given size before they allocate a buffer of that size.
     */
    public void checkWritable(long addr, int length, int slot) {
        byte[] d = region(writable, addr);
        int off = (int) addr;
        if (length < 0 || off < 0 || off > d.length - length) {
            if (adopt(addr)) {
                checkWritable(addr, length, slot);
                return;
            }
            throw fault(addr, length, true, slot);
        }
    }

    /** Copies bytes into the sandbox, checked; for helpers. */
    public void write(long addr, byte[] bytes, int slot) {
        byte[] d = region(writable, addr);
        int off = (int) addr;
        if (off < 0 || off > d.length - bytes.length) {
            if (adopt(addr)) {
                write(addr, bytes, slot);
                return;
            }
            throw fault(addr, bytes.length, true, slot);
        }
        System.arraycopy(bytes, 0, d, off, bytes.length);
    }

    /**
     * The bytes of a NUL-terminated string at {@code addr}, without the NUL, reading at most
     * {@code max} bytes; null if the string runs into memory the program may not read (as a
     * kernel's fault-tolerant string copy fails). A string with no NUL within {@code max} bytes is
     * cut there.
     */
    public byte[] readString(long addr, int max) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (int i = 0; i < max; i++) {
            if (!readable(addr + i, 1)) {
                return null;
            }
            byte b = readable[regionOf(addr + i)][(int) (addr + i)];
            if (b == 0) {
                break;
            }
            out.write(b);
        }
        return out.toByteArray();
    }

    /** True if {@code length} bytes at {@code addr} may be read. */
    public boolean readable(long addr, int length) {
        byte[] d = region(readable, addr);
        int off = (int) addr;
        if (length >= 0 && off >= 0 && off <= d.length - length) {
            return true;
        }
        return adopt(addr) && readable(addr, length);
    }

    private boolean known(int id) {
        return id > 0 && id < names.length && names[id] != null;
    }

    VmTrapException fault(long addr, int size, boolean write, int slot) {
        int id = (int) (addr >>> 32);
        String what = (write ? "write" : "read") + " of " + size + " byte" + (size == 1 ? "" : "s") + " at " + hex(addr);
        boolean known = known(id);
        if (write && known && writable[id] == NONE && readable[id] != NONE) {
            int off = (int) addr;
            if (off >= 0 && off <= readable[id].length - size) {
                return new VmTrapException(VmTrapException.Kind.READ_ONLY, slot,
                        "invalid " + what + ": " + names[id] + " is read-only");
            }
        }
        return new VmTrapException(VmTrapException.Kind.MEMORY, slot, "invalid " + what + " ("
                + describe(addr) + ")");
    }

    /** A description of where an address points, for messages. */
    public String describe(long addr) {
        int id = (int) (addr >>> 32);
        int off = (int) addr;
        if (addr == 0) {
            return "null pointer";
        }
        if (id == CODE_REGION) {
            return "code address";
        }
        if (id == MAP_HANDLE_REGION) {
            return "a map, which programs pass to helpers but cannot dereference";
        }
        if (!known(id)) {
            return "not a pointer into any region";
        }
        int len = readable[id].length;
        String where = (off >= 0 && off < len ? "" : "outside ") + names[id] + " of " + len + " bytes";
        if (id >= FIRST_STACK_REGION && id < FIRST_STACK_REGION + MAX_CALL_FRAMES) {
            return where + ", offset " + (off - STACK_FRAME_SIZE) + " from its frame pointer";
        }
        return where + ", offset " + off;
    }

    static String hex(long v) {
        return "0x" + Long.toHexString(v);
    }
}
