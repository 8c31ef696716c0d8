package org.bpf4j.vm.map;

import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.vm.Memory;

/**
 * The timers living in map values, by the VM address of their {@code struct bpf_timer}. The timer
 * helpers install them; maps free them when the value that holds one is replaced or deleted, or
 * the map is closed, as Linux's {@code bpf_obj_free_fields} cancels and frees a value's timer.
 * Thread-safe.
 */
public final class MapTimers {
    private MapTimers() {}

    /** A timer as the maps see it: something to cancel and free. */
    public interface Timer {
        /** Cancels the timer and forgets its callback; it is not used again. */
        void free();
    }

    private static final ConcurrentHashMap<Long, Timer> BY_ADDRESS = new ConcurrentHashMap<>();

    /** The timer at an address, or null if none was initialised there (or it was freed). */
    public static Timer get(long address) {
        return BY_ADDRESS.get(address);
    }

    /** Installs a timer at an address; false if one is already there ({@code -EBUSY}). */
    public static boolean install(long address, Timer timer) {
        return BY_ADDRESS.putIfAbsent(address, timer) == null;
    }

    /** Frees the timer at an address, if there is one. */
    static void free(long address) {
        Timer t = BY_ADDRESS.remove(address);
        if (t != null) {
            t.free();
        }
    }

    /** Frees every timer in a region (a closed map's values). */
    static void freeRegion(int region) {
        for (Long address : BY_ADDRESS.keySet()) {
            if (Memory.regionOf(address) == region) {
                free(address);
            }
        }
    }
}
