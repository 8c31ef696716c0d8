package org.bpf4j.verifier;

import java.util.Arrays;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * What the verifier proved about each memory instruction of an accepted program (loads, stores
 * and atomics; not the legacy packet loads, which every engine checks at run time): the regions
 * the pointer pointed to on the paths that reached the instruction, whether every one of those
 * paths proved the access inside its region, and the range of the access's offset in the region;
 * and which unsigned comparisons of conditional jumps have the signed comparison's outcome
 * ({@link #signedCompare}). This is what a compiler needs to drop a run-time check or to emit
 * a comparison its own compiler optimises better: see the JIT's use of it.
 *
 * <p>The facts at a slot are the join over every path the verifier explored through it: a slot
 * reached once with a stack pointer and once with a map value pointer reports both regions; the
 * bounds count as proved only if every path proved them; the offset range covers every path's.
 * A slot that no path reached (code behind a branch the verifier showed is never taken) has no
 * facts.
 *
 * <p><b>Soundness with pruning.</b> A path is pruned at a prune point when a stored state whose
 * every path has been explored covers it ({@code StateCompare}): every live register and every
 * stack slot read below the stored state, with every scalar a safety decision relied on
 * (precise), holds in the stored state a value that contains the pruned path's value, and
 * pointers are compared type for type (same region, the pruned path's offsets within the stored
 * ones, the packet range at least as large). Everything an instruction below the stored state
 * decides about a memory access (the pointer's region, its offset range, the bounds check)
 * depends only on such registers and slots: a pointer's region is its type; its offset comes from
 * pointer arithmetic with scalars, which marks them precise. So each concrete continuation of the
 * pruned path is also a concrete continuation of the stored state, and takes, at every memory
 * instruction, a pointer that the facts recorded while exploring from the stored state already
 * describe: those facts hold for the pruned path too, with no further recording. This is the same
 * argument that makes pruning sound for accepting the program at all; the facts are true exactly
 * when the verdict is. Callbacks and global functions are explored with their own entry states
 * (a global function's arguments as its prototype types them), and their facts join the rest.
 *
 * <p><b>Stack offsets</b> are relative to the frame pointer of the frame the pointer points into
 * (from -512 up to 0); {@link Region#STACK} is the frame of the function executing the
 * instruction, {@link Region#CALLER_STACK} a frame of a function up the call chain (a pointer
 * passed down as an argument). Other offsets are from the start of the object (map value, map
 * key, packet data or metadata, memory, context).
 *
 * <p><b>Comparisons.</b> At a conditional jump that compares unsigned ({@code jgt}, {@code jge},
 * {@code jlt}, {@code jle}, in 64 or 32 bits), {@link #signedCompare} says whether on every path
 * that reached it both operands were scalars whose sign bit (bit 63, or bit 31 for a 32-bit jump)
 * was known and the same: then the unsigned comparison has the signed one's outcome, which a
 * compiler may emit instead (HotSpot recognises counted loops only with signed comparisons).
 * Unlike the memory facts, this relies on scalars that no safety decision needs to be precise,
 * so pruning alone does not make it hold for pruned paths: the verifier keeps these facts only if
 * every pruned path's live registers and read stack slots were wholly contained in the state that
 * covered it (precise or not); after the first pruning that was not, at a point from which a
 * comparison may still run (in its function, or anywhere after a call or a function's return),
 * no jump has the fact.
 *
 * <p>Immutable and thread-safe.
 */
public final class AccessFacts {
    /** The region a memory instruction's pointer points into. */
    public enum Region {
        /** The stack frame of the function executing the instruction. */
        STACK,
        /** A stack frame of a calling function (a pointer passed as an argument). */
        CALLER_STACK,
        /** The program's context. */
        CTX,
        /** A map value. */
        MAP_VALUE,
        /** A map key handed to a callback. */
        MAP_KEY,
        /** The kernel's {@code struct bpf_map} read through a map pointer. */
        MAP_STRUCT,
        /** Packet data. */
        PACKET,
        /** Packet metadata. */
        PACKET_META,
        /** Memory of a known size from a helper, or a global function's argument (which may be any memory). */
        MEMORY,
        /** The memory the program gets in R1 when verified with {@link VerifierInput#withEntryMemory(int)}. */
        INPUT,
        /** A ring buffer record. */
        RINGBUF,
        /** A socket ({@code sock}, {@code sock_common}, {@code tcp_sock}). */
        SOCKET,
        /** A kernel object typed by the kernel's BTF, read through a {@code ptr_} pointer. */
        KERNEL_OBJECT
    }

    /**
     * The facts at one memory instruction, joined over the paths that reached it. Immutable.
     *
     * @param regions the regions the pointer pointed into, on at least one path each (never empty)
     * @param inBounds whether every path proved the whole access inside its region
     * @param minOffset the least offset of the access's first byte in its region over all paths
     * @param maxOffset the greatest such offset
     */
    public record Access(Set<Region> regions, boolean inBounds, long minOffset, long maxOffset) {
        /** Checks and copies. */
        public Access {
            if (regions.isEmpty()) {
                throw new IllegalArgumentException("an access has at least one region");
            }
            if (minOffset > maxOffset) {
                throw new IllegalArgumentException("offset range " + minOffset + ".." + maxOffset);
            }
            regions = Collections.unmodifiableSet(EnumSet.copyOf(regions));
        }

        /** One region. */
        public static Access of(Region region, boolean inBounds, long minOffset, long maxOffset) {
            return new Access(EnumSet.of(region), inBounds, minOffset, maxOffset);
        }

        /** The only region of the access, if every path had the same. */
        public Optional<Region> region() {
            return regions.size() == 1 ? Optional.of(regions.iterator().next()) : Optional.empty();
        }

        /** Whether every path had {@code region} and proved the bounds. */
        public boolean provedIn(Region region) {
            return inBounds && regions.size() == 1 && regions.contains(region);
        }

        /** Whether the offset is the same on every path. */
        public boolean constantOffset() {
            return minOffset == maxOffset;
        }

        /** This access joined with another at the same instruction. */
        public Access join(Access o) {
            EnumSet<Region> r = EnumSet.copyOf(regions);
            r.addAll(o.regions);
            return new Access(r, inBounds && o.inBounds, Math.min(minOffset, o.minOffset),
                    Math.max(maxOffset, o.maxOffset));
        }

        @Override
        public String toString() {
            StringBuilder sb = new StringBuilder();
            for (Region r : regions) {
                sb.append(sb.isEmpty() ? "" : "|").append(r.name().toLowerCase(java.util.Locale.ROOT));
            }
            sb.append(minOffset == maxOffset ? " off=" + minOffset : " off=" + minOffset + ".." + maxOffset);
            return sb.append(inBounds ? " proved" : " unproved").toString();
        }
    }

    private final Access[] bySlot;
    private final boolean[] signedCompare;

    private AccessFacts(Access[] bySlot, boolean[] signedCompare) {
        this.bySlot = bySlot;
        this.signedCompare = signedCompare;
    }

    /** Facts from an array by slot (null where a slot has none; copied), with no comparison facts: for tests and tools. */
    public static AccessFacts of(Access[] bySlot) {
        return new AccessFacts(bySlot.clone(), new boolean[bySlot.length]);
    }

    /**
     * Facts from an array by slot (null where a slot has none) and the slots of the jumps whose
     * unsigned comparison has the signed one's outcome ({@link #signedCompare}); both copied, of
     * the same length.
     */
    public static AccessFacts of(Access[] bySlot, boolean[] signedCompare) {
        if (signedCompare.length != bySlot.length) {
            throw new IllegalArgumentException("facts for " + bySlot.length + " slots, comparisons for "
                    + signedCompare.length);
        }
        return new AccessFacts(bySlot.clone(), signedCompare.clone());
    }

    /** No facts, for a program of {@code slotCount} slots (every access is checked). */
    public static AccessFacts none(int slotCount) {
        return new AccessFacts(new Access[slotCount], new boolean[slotCount]);
    }

    /**
     * Whether the conditional jump at {@code slot} compares unsigned and, on every path that
     * reached it, both its operands were scalars with the same known sign bit (bit 63, or bit 31
     * in 32 bits), so that the signed comparison has the same outcome. False for any other slot.
     */
    public boolean signedCompare(int slot) {
        return slot >= 0 && slot < signedCompare.length && signedCompare[slot];
    }

    /** How many jumps have {@link #signedCompare}. */
    public int signedCompareCount() {
        int n = 0;
        for (boolean b : signedCompare) {
            n += b ? 1 : 0;
        }
        return n;
    }

    /** The slots of the program the facts are about. */
    public int slotCount() {
        return bySlot.length;
    }

    /** The facts at a slot, if a memory instruction there was reached by the verifier. */
    public Optional<Access> at(int slot) {
        return slot >= 0 && slot < bySlot.length ? Optional.ofNullable(bySlot[slot]) : Optional.empty();
    }

    /** How many slots have facts. */
    public int count() {
        int n = 0;
        for (Access a : bySlot) {
            n += a != null ? 1 : 0;
        }
        return n;
    }

    /**
     * One line per slot with memory facts: {@code SLOT: REGIONS off=RANGE proved|unproved} (the
     * comparison facts are not listed).
     */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < bySlot.length; i++) {
            if (bySlot[i] != null) {
                sb.append(i).append(": ").append(bySlot[i]).append('\n');
            }
        }
        return sb.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AccessFacts f && Arrays.equals(bySlot, f.bySlot)
                && Arrays.equals(signedCompare, f.signedCompare);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bySlot) * 31 + Arrays.hashCode(signedCompare);
    }
}
