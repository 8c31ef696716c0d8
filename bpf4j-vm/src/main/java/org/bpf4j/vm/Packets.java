package org.bpf4j.vm;

/** The semantics of the legacy packet loads ({@code ldabs}, {@code ldind}), shared by the engines. */
public final class Packets {
    private Packets() {}

    /**
     * The big-endian (network order) value of {@code size} bytes (1, 2 or 4) at {@code offset} in the
     * packet, zero-extended; or -1 if any byte is outside the packet, in which case the program
     * ends at once with R0 = 0, as in Linux.
     *
     * <p>Linux passes the offset ({@code src + imm} of {@code ldind}, computed in 64 bits) to its
     * load helpers as a C {@code int}, so only its low 32 bits count, as a signed number: an
     * {@code ldind} from a register holding {@code 0x1_0000_0001} reads byte 1 (found by
     * bpf4j-oracle). Negative offsets fail here; Linux also fails them, except its special
     * {@code SKF_NET_OFF}/{@code SKF_LL_OFF} windows, which the VM does not offer.
     */
    public static long legacyLoad(byte[] packet, long offset, int size) {
        int o = (int) offset;
        if (o < 0 || o > packet.length - size) {
            return -1;
        }
        return switch (size) {
            case 1 -> packet[o] & 0xffL;
            case 2 -> ((packet[o] & 0xff) << 8 | (packet[o + 1] & 0xff)) & 0xffffL;
            default -> ((long) (packet[o] & 0xff) << 24) | ((packet[o + 1] & 0xff) << 16)
                    | ((packet[o + 2] & 0xff) << 8) | (packet[o + 3] & 0xff);
        };
    }
}
