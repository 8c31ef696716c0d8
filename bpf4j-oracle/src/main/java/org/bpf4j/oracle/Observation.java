package org.bpf4j.oracle;

import java.util.HexFormat;
import java.util.List;

/**
 * Everything observable of one run of a generated program: how it ended (R0 in 64 bits and the
 * 32-bit return value, or a trap), the memory map's bytes, and the contents of the hash and array
 * maps (hash entries sorted by key, since iteration order is not part of the semantics).
 *
 * @param end {@code r0=0x… retval=0x…}, or a description of a trap or failure
 * @param memory the memory value after the run
 * @param hash the hash map's entries, {@code key=value} in hex, sorted
 * @param array the array map's values in hex, by index
 * @param queues the queue's and then the stack's values in hex, in the order they pop
 * @param dataOut an XDP program's {@code data_out}, the packet after the run; empty for a socket
 *     filter (which cannot write its packet) and after a trap
 */
public record Observation(String end, byte[] memory, List<String> hash, List<String> array, List<String> queues,
        byte[] dataOut) {
    private static final HexFormat HEX = HexFormat.of();

    /** Copies the components. */
    public Observation {
        memory = memory.clone();
        hash = List.copyOf(hash);
        array = List.copyOf(array);
        queues = List.copyOf(queues);
        dataOut = dataOut.clone();
    }

    /** A copy of {@code data_out}. */
    @Override
    public byte[] dataOut() {
        return dataOut.clone();
    }

    /** A copy of the memory bytes. */
    @Override
    public byte[] memory() {
        return memory.clone();
    }

    /** The end of a run that returned. */
    static String returned(long r0, int retval) {
        return "r0=0x" + Long.toHexString(r0) + " retval=0x" + Integer.toHexString(retval);
    }

    /** A multi-line description; two observations agree when their descriptions are equal. */
    public String describe() {
        return end + "\nmem   " + HEX.formatHex(memory) + "\nhash  " + hash + "\narray " + array + "\nqueues " + queues
                + (dataOut.length == 0 ? "" : "\ndata_out " + HEX.formatHex(dataOut));
    }

    /** The names of the parts in which this and {@code other} differ ({@code end}, {@code r0}, {@code memory}, {@code hash}, {@code array}, {@code queues}, {@code data_out}). */
    public List<String> differences(Observation other) {
        java.util.ArrayList<String> d = new java.util.ArrayList<>();
        if (!end.equals(other.end)) {
            d.add(end.startsWith("r0=") && other.end.startsWith("r0=") ? "r0" : "end");
        }
        if (!java.util.Arrays.equals(memory, other.memory)) {
            d.add("memory");
        }
        if (!hash.equals(other.hash)) {
            d.add("hash");
        }
        if (!array.equals(other.array)) {
            d.add("array");
        }
        if (!queues.equals(other.queues)) {
            d.add("queues");
        }
        if (!java.util.Arrays.equals(dataOut, other.dataOut)) {
            d.add("data_out");
        }
        return d;
    }

    static String hex(byte[] b) {
        return HEX.formatHex(b);
    }
}
