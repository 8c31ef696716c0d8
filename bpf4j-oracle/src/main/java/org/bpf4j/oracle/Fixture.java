package org.bpf4j.oracle;

import java.util.List;
import org.bpf4j.spec.MapType;
import org.bpf4j.verifier.MapInfo;

/**
 * The surroundings every generated program runs in, the same in the kernel and on the VM: four
 * maps that programs name by index ({@code lddw map_fd(i)} / {@code map_value_fd(i)}; the kernel
 * runner replaces the index by the map's fd), and a stack layout.
 *
 * <ul>
 *   <li>map 0, {@code mem}: an array of one 64-byte value, the program's memory. The prologue
 *       loads its address into R6, which no chunk writes. Its initial bytes are the program's
 *       input.
 *   <li>map 1, {@code result}: an array of one 8-byte value; every exit of the main function
 *       stores R0 there first, so R0 is observed in 64 bits (a test run's retval has 32).
 *   <li>map 2, {@code hash}: a hash map of 8 entries, 4-byte keys, 16-byte values; starts empty.
 *   <li>map 3, {@code array}: an array of 4 16-byte values; starts zeroed.
 *   <li>map 4, {@code queue}: a queue of 4 8-byte values, and map 5, {@code stack}: a stack of 3;
 *       both start empty.
 * </ul>
 *
 * <p>Stack: {@code [r10-64, r10)} is data, {@code [r10-72, r10-64)} holds a helper's key and
 * {@code [r10-96, r10-80)} a helper's value; the prologue initializes all of
 * {@code [r10-96, r10)}, since the kernel's stack is not zeroed. The context is spilled at
 * {@code r10-104}, and R6 at {@code r10-112} while a legacy packet load needs R6.
 *
 * <p>Packet: a run's packet ({@code data_in}) is the program's input, the same 64 bytes as the
 * memory's initial value. A socket filter's legacy packet loads see it after the 14-byte
 * Ethernet header (the kernel's test run pulls it), so the VM is given bytes 14-63. An XDP
 * program has its own random packet of {@link #ETH_HLEN} to {@link #XDP_PACKET_MAX} bytes, which it
 * reads and writes directly after bounds checks against {@code data_end}; its {@code data_out} is
 * observed too.
 */
public final class Fixture {
    private Fixture() {}

    /** Map indexes. */
    public static final int MEM = 0, RESULT = 1, HASH = 2, ARRAY = 3, QUEUE = 4, STACK = 5;
    /** Entries of the queue map and of the stack map. */
    public static final int QUEUE_ENTRIES = 4, STACK_ENTRIES = 3;
    /** The size of the memory value. */
    public static final int MEM_SIZE = 64;
    /** Value size of the hash and array maps. */
    public static final int VALUE_SIZE = 16;
    /** Entries of the hash map. */
    public static final int HASH_ENTRIES = 8;
    /** Entries of the array map. */
    public static final int ARRAY_ENTRIES = 4;
    /** The lowest initialized stack offset. */
    public static final int STACK_LOW = -96;
    /** The stack data area's size (it is {@code [r10-STACK_DATA, r10)}). */
    public static final int STACK_DATA = 64;
    /** Offset of a helper's key. */
    public static final int KEY_OFF = -72;
    /** Offset of a helper's value. */
    public static final int VALUE_OFF = -96;
    /** Where the prologue spills the context (R1 at entry), for legacy packet loads. */
    public static final int CTX_OFF = -104;
    /** The Ethernet header's length: the smallest packet a test run takes. */
    public static final int ETH_HLEN = 14;
    /** The largest packet of an XDP program. */
    public static final int XDP_PACKET_MAX = 96;
    /** Where packet-load chunks spill R6 (the memory) while R6 holds the context. */
    public static final int MEM_SPILL_OFF = -112;

    /** One map of the fixture. */
    public record MapDef(String name, MapType type, int keySize, int valueSize, int maxEntries) {
        /** What the verifier needs to know of it. */
        public MapInfo info() {
            return MapInfo.of(name, type, keySize, valueSize, maxEntries);
        }
    }

    /** The maps, by index. */
    public static final List<MapDef> MAPS = List.of(
            new MapDef("mem", MapType.ARRAY, 4, MEM_SIZE, 1),
            new MapDef("result", MapType.ARRAY, 4, 8, 1),
            new MapDef("hash", MapType.HASH, 4, VALUE_SIZE, HASH_ENTRIES),
            new MapDef("array", MapType.ARRAY, 4, VALUE_SIZE, ARRAY_ENTRIES),
            new MapDef("queue", MapType.QUEUE, 0, 8, QUEUE_ENTRIES),
            new MapDef("stack", MapType.STACK, 0, 8, STACK_ENTRIES));

    /** The maps as the verifier sees them. */
    public static List<MapInfo> mapInfos() {
        return MAPS.stream().map(MapDef::info).toList();
    }

    /** A 4-byte little-endian key. */
    static byte[] key(int k) {
        return new byte[] {(byte) k, (byte) (k >>> 8), (byte) (k >>> 16), (byte) (k >>> 24)};
    }
}
