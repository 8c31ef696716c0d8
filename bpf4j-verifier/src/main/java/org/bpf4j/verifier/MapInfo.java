package org.bpf4j.verifier;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.spec.MapType;

/**
 * What the verifier needs to know of a map a program refers to: its type and sizes. Built from an
 * ELF {@code MapSpec}, a VM map or a test case; immutable.
 *
 * @param name the map's name, for messages
 * @param type the map type
 * @param keySize key size in bytes
 * @param valueSize value size in bytes
 * @param maxEntries capacity
 * @param readOnlyProg whether the program may not write values ({@code BPF_F_RDONLY_PROG}, such as {@code .rodata})
 * @param inner the map type of the inner maps of a map-in-map, if any
 * @param frozenValue for a frozen read-only array of one element ({@code .rodata}, {@code .kconfig}), its
 *     value's bytes, which programs may read as constants; empty otherwise
 * @param spinLockOff the offset of the value's {@code struct bpf_spin_lock} (from the value's BTF), or -1
 * @param timerOff the offset of the value's {@code struct bpf_timer} (from the value's BTF), or -1
 * @param kptrs the value's kernel object pointer fields ({@code __kptr}, {@code __kptr_untrusted},
 *     from the value's BTF), in offset order
 * @param btf whether the map's value is described by BTF (Linux's {@code map->btf}), which its
 *     special fields need: without, "map 'NAME' has to have BTF in order to use bpf_spin_lock"
 * @param writeOnlyProg whether the program may not read values ({@code BPF_F_WRONLY_PROG})
 */
public record MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
        Optional<MapInfo> inner, Optional<byte[]> frozenValue, int spinLockOff, int timerOff, List<Kptr> kptrs,
        boolean btf, boolean writeOnlyProg) {
    /**
     * A field of a map value that holds a pointer to a kernel object (a kptr): 8 bytes, read and
     * written only whole; a referenced one ({@code __kptr}) holds a reference the map owns, moved
     * in and out only with {@code bpf_kptr_xchg}; an unreferenced one ({@code __kptr_untrusted})
     * takes plain stores of pointers of its type.
     *
     * @param offset its byte offset in the value
     * @param referenced whether it is a referenced kptr ({@code __kptr}) rather than {@code __kptr_untrusted}
     * @param struct the name of the kernel structure it points to
     */
    public record Kptr(int offset, boolean referenced, String struct) {
        /** Checks the name. */
        public Kptr {
            Objects.requireNonNull(struct, "struct");
        }
    }

    /** The size of {@code struct bpf_spin_lock}. */
    public static final int SPIN_LOCK_SIZE = 4;
    /** The size of {@code struct bpf_timer}. */
    public static final int TIMER_SIZE = 16;

    /** Checks the components. */
    public MapInfo {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(inner, "inner");
        Objects.requireNonNull(frozenValue, "frozenValue");
        frozenValue = frozenValue.map(byte[]::clone);
        if (frozenValue.isPresent() && (!readOnlyProg || frozenValue.get().length != valueSize)) {
            throw new IllegalArgumentException("map " + name + ": a frozen value must be read-only and of the value size");
        }
        if (keySize < 0 || valueSize < 0 || maxEntries < 0) {
            throw new IllegalArgumentException("map " + name + ": negative size");
        }
        kptrs = List.copyOf(kptrs);
        for (Kptr k : kptrs) {
            if (k.offset() < 0 || k.offset() + 8 > valueSize) {
                throw new IllegalArgumentException("map " + name + ": a kptr outside the value");
            }
        }
        if (spinLockOff < -1 || spinLockOff >= 0 && spinLockOff + SPIN_LOCK_SIZE > valueSize
                || timerOff < -1 || timerOff >= 0 && timerOff + TIMER_SIZE > valueSize) {
            throw new IllegalArgumentException("map " + name + ": a special field outside the value");
        }
    }

    /** A map the program may read. */
    public MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
            Optional<MapInfo> inner, Optional<byte[]> frozenValue, int spinLockOff, int timerOff, List<Kptr> kptrs,
            boolean btf) {
        this(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff, timerOff, kptrs,
                btf, false);
    }

    /** A map whose value has no {@code bpf_spin_lock} or {@code bpf_timer}. */
    public MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
            Optional<MapInfo> inner, Optional<byte[]> frozenValue) {
        this(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, -1, -1);
    }

    /** A map whose value has no kptrs. */
    public MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
            Optional<MapInfo> inner, Optional<byte[]> frozenValue, int spinLockOff, int timerOff) {
        this(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff, timerOff,
                List.of());
    }

    /** A map whose value has BTF exactly when it has a special field or a kptr. */
    public MapInfo(String name, MapType type, int keySize, int valueSize, int maxEntries, boolean readOnlyProg,
            Optional<MapInfo> inner, Optional<byte[]> frozenValue, int spinLockOff, int timerOff, List<Kptr> kptrs) {
        this(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff, timerOff,
                kptrs, spinLockOff >= 0 || timerOff >= 0 || !kptrs.isEmpty());
    }

    /** This map with the kptr fields {@code fields}. */
    public MapInfo withKptrs(List<Kptr> fields) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff,
                timerOff, fields, btf || !fields.isEmpty(), writeOnlyProg);
    }

    /** This map with its value described by BTF or not. */
    public MapInfo withBtf(boolean valueBtf) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff,
                timerOff, kptrs, valueBtf, writeOnlyProg);
    }

    /** This map with program reads forbidden ({@code BPF_F_WRONLY_PROG}) or not. */
    public MapInfo withWriteOnlyProg(boolean writeOnly) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, spinLockOff,
                timerOff, kptrs, btf, writeOnly);
    }

    /** The kptr field whose bytes overlap {@code [lo, hi)}, if any. */
    public Optional<Kptr> kptrOverlapping(long lo, long hi) {
        return kptrs.stream().filter(k -> lo < k.offset() + 8 && k.offset() < hi).findFirst();
    }

    /** This map with a {@code bpf_spin_lock} at {@code lockOff} and a {@code bpf_timer} at {@code timerOffset} (-1: none). */
    public MapInfo withSpecialFields(int lockOff, int timerOffset) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, readOnlyProg, inner, frozenValue, lockOff,
                timerOffset, kptrs, btf || lockOff >= 0 || timerOffset >= 0, writeOnlyProg);
    }

    /** A writable map without an inner map. */
    public static MapInfo of(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        return new MapInfo(name, type, keySize, valueSize, maxEntries, false, Optional.empty(), Optional.empty(), -1, -1);
    }

    /** The frozen value's bytes (a copy), if any. */
    @Override
    public Optional<byte[]> frozenValue() {
        return frozenValue.map(byte[]::clone);
    }

    /** The little-endian number of {@code size} bytes at {@code off} of the frozen value, if known there. */
    public java.util.OptionalLong frozenRead(long off, int size) {
        if (frozenValue.isEmpty() || off < 0 || off + size > valueSize) {
            return java.util.OptionalLong.empty();
        }
        byte[] b = frozenValue.get();
        long v = 0;
        for (int i = size - 1; i >= 0; i--) {
            v = (v << 8) | (b[(int) off + i] & 0xff);
        }
        return java.util.OptionalLong.of(v);
    }
}
