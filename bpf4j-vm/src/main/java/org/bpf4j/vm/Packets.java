package org.bpf4j.vm;

/** The semantics of the legacy packet loads ({@code ldabs}, {@code ldind}), shared by the engines. */
public final class Packets {
    private Packets() {}

    /**
     * The big-endian (network order) value of {@code size} bytes (1, 2 or 4) at {@code offset} in the
     * packet, zero-extended; or -1 if any byte is outside the packet, in which case the program
     * ends at once with R0 = 0, as in Linux.
     */
    public static long legacyLoad(byte[] packet, long offset, int size) {
        if (offset < 0 || offset > packet.length - size) {
            return -1;
        }
        int o = (int) offset;
        return switch (size) {
            case 1 -> packet[o] & 0xffL;
            case 2 -> ((packet[o] & 0xff) << 8 | (packet[o + 1] & 0xff)) & 0xffffL;
            default -> ((long) (packet[o] & 0xff) << 24) | ((packet[o + 1] & 0xff) << 16)
                    | ((packet[o + 2] & 0xff) << 8) | (packet[o + 3] & 0xff);
        };
    }
}
