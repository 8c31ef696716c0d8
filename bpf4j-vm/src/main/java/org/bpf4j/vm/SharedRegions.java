package org.bpf4j.vm;

import java.util.ArrayList;
import java.util.List;

/**
 * Regions that outlive an execution and are visible to every execution: the value storage of
 * maps, global data. Their ids start at {@link #FIRST_ID}, above every id an {@link Memory}
 * assigns by itself, so a pointer into shared storage means the same thing in every thread and
 * can be a constant in lowered or compiled code. A {@link Memory} adopts a shared region the first
 * time a program touches it (on the slow path of an access), so the fast path stays one table
 * lookup.
 *
 * <p>Thread-safe. Registration and release are rare; lookups are lock-free reads of an
 * immutable snapshot.
 */
public final class SharedRegions {
    /** The first id of a shared region; ids below are private to one {@link Memory}. */
    public static final int FIRST_ID = 1024;

    record Entry(String name, byte[] data, boolean writable) {}

    private static final Object LOCK = new Object();
    private static volatile Entry[] table = new Entry[0];
    private static final List<Integer> FREE = new ArrayList<>();

    private SharedRegions() {}

    /**
     * Registers storage that programs may address, and returns the address of its first byte.
     * The array is not copied: programs and the host share it.
     */
    public static long register(String name, byte[] data, boolean writableByPrograms) {
        synchronized (LOCK) {
            Entry e = new Entry(name, data, writableByPrograms);
            Entry[] t = table;
            int index;
            if (!FREE.isEmpty()) {
                index = FREE.removeLast();
                t = t.clone();
            } else {
                index = t.length;
                t = java.util.Arrays.copyOf(t, t.length + 1);
            }
            t[index] = e;
            table = t;
            return Memory.address(FIRST_ID + index, 0);
        }
    }

    /**
     * Withdraws a region: executions that have not touched it yet will fault on it. (Executions
     * that already adopted it keep their view, as a kernel program keeps the maps it references.)
     */
    public static void release(long address) {
        int index = Memory.regionOf(address) - FIRST_ID;
        synchronized (LOCK) {
            Entry[] t = table;
            if (index < 0 || index >= t.length || t[index] == null) {
                return;
            }
            t = t.clone();
            t[index] = null;
            table = t;
            FREE.add(index);
        }
    }

    /** The entry for a region id, or null. */
    static Entry get(int id) {
        Entry[] t = table;
        int index = id - FIRST_ID;
        return index >= 0 && index < t.length ? t[index] : null;
    }
}
