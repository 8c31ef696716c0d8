package org.bpf4j.vm.map;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.bpf4j.spec.MapType;

/**
 * The fields of a map value the kernel manages itself, as its {@code btf_record} lists them: a
 * {@code struct bpf_spin_lock} (4 bytes) and a {@code struct bpf_timer} (16 bytes). Copies into a
 * value skip them ({@code copy_map_value}), copies out read them as zero
 * ({@code check_and_init_map_value}), and a spin lock is a word that is 0 when free and 1 when held.
 */
public final class SpecialFields {
    private SpecialFields() {}

    /** {@code sizeof(struct bpf_spin_lock)} and {@code sizeof(struct bpf_timer)}. */
    public static final int SPIN_LOCK_SIZE = 4, TIMER_SIZE = 16;

    private static final VarHandle I32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);

    /** Checks where a definition puts its special fields, as map creation checks the value's BTF. */
    static MapDefinition check(MapDefinition d) {
        int lock = d.spinLockOffset(), timer = d.timerOffset();
        if (lock >= 0) {
            if (d.type() != MapType.HASH && d.type() != MapType.ARRAY) {
                throw new MapException(Errno.EOPNOTSUPP, "map " + d.name() + ": a bpf_spin_lock in the value is "
                        + "allowed in hash and array maps only, not " + d.type().kernelName());
            }
            if (lock % 4 != 0 || lock + SPIN_LOCK_SIZE > d.valueSize()) {
                throw new MapException(Errno.EINVAL, "map " + d.name() + ": bpf_spin_lock at offset " + lock
                        + " is misaligned or outside the " + d.valueSize() + "-byte value");
            }
        }
        if (timer >= 0) {
            if (d.type() != MapType.HASH && d.type() != MapType.ARRAY && d.type() != MapType.LRU_HASH) {
                throw new MapException(Errno.EOPNOTSUPP, "map " + d.name() + ": a bpf_timer in the value is "
                        + "allowed in hash, lru_hash and array maps only, not " + d.type().kernelName());
            }
            if (timer % 8 != 0 || timer + TIMER_SIZE > d.valueSize()) {
                throw new MapException(Errno.EINVAL, "map " + d.name() + ": bpf_timer at offset " + timer
                        + " is misaligned or outside the " + d.valueSize() + "-byte value");
            }
        }
        if (lock >= 0 && timer >= 0 && lock + SPIN_LOCK_SIZE > timer && timer + TIMER_SIZE > lock) {
            throw new MapException(Errno.EINVAL, "map " + d.name() + ": bpf_spin_lock and bpf_timer overlap");
        }
        return d;
    }

    /** Copies a value into {@code target} at {@code offset}, leaving the special fields as they are. */
    static void copy(MapDefinition d, byte[] value, byte[] target, int offset) {
        int lock = d.spinLockOffset(), timer = d.timerOffset();
        if (lock < 0 && timer < 0) {
            System.arraycopy(value, 0, target, offset, d.valueSize());
            return;
        }
        for (int i = 0; i < d.valueSize(); i++) {
            boolean special = (lock >= 0 && i >= lock && i < lock + SPIN_LOCK_SIZE)
                    || (timer >= 0 && i >= timer && i < timer + TIMER_SIZE);
            if (!special) {
                target[offset + i] = value[i];
            }
        }
    }

    /** Zeroes the special fields of a value copied out at {@code offset} of {@code out}. */
    static void clear(MapDefinition d, byte[] out, int offset) {
        if (d.spinLockOffset() >= 0) {
            Arrays.fill(out, offset + d.spinLockOffset(), offset + d.spinLockOffset() + SPIN_LOCK_SIZE, (byte) 0);
        }
        if (d.timerOffset() >= 0) {
            Arrays.fill(out, offset + d.timerOffset(), offset + d.timerOffset() + TIMER_SIZE, (byte) 0);
        }
    }

    private static final Object[] STRIPES = new Object[64];

    static {
        for (int i = 0; i < STRIPES.length; i++) {
            STRIPES[i] = new Object();
        }
    }

    /**
     * The spin locks held now, by executions or by user-space {@code BPF_F_LOCK} operations. A lock
     * is held only when it is listed here, whatever its word holds: a program that stores into the
     * word (which the kernel's verifier forbids) cannot make the next taker wait for a holder that
     * does not exist. Changed under the lock's stripe.
     */
    private static final java.util.Set<Held> HELD = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** A lock: its storage (by identity: a record compares array components by reference) and offset. */
    private record Held(byte[] storage, int offset) {}

    private static Object stripe(byte[] storage, int offset) {
        return STRIPES[(System.identityHashCode(storage) ^ (offset >>> 2)) & (STRIPES.length - 1)];
    }

    /**
     * Takes the spin lock word at {@code offset} if no one holds it (its word is then 1); true if
     * taken. (The JDK has no compare-and-set on {@code byte[]} views, so the lock is tested and
     * taken under a striped monitor.)
     */
    public static boolean tryLock(byte[] storage, int offset) {
        Held lock = new Held(storage, offset);
        synchronized (stripe(storage, offset)) {
            if (!HELD.add(lock)) {
                return false;
            }
            I32.set(storage, offset, 1);
            return true;
        }
    }

    /** Takes the spin lock word at {@code offset}, spinning while another holder has it. */
    static void lock(byte[] storage, int offset) {
        while (!tryLock(storage, offset)) {
            Thread.onSpinWait();
        }
    }

    /** Releases the spin lock word at {@code offset}. */
    public static void unlock(byte[] storage, int offset) {
        synchronized (stripe(storage, offset)) {
            I32.set(storage, offset, 0);
            HELD.remove(new Held(storage, offset));
        }
    }
}
