package org.bpf4j.vm.run;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.MalformedInputException;

/**
 * Packet capture files: reads the classic pcap format (microsecond and nanosecond timestamps,
 * either byte order) and pcapng (section header, interface description, enhanced and simple
 * packet blocks, either byte order; other blocks are skipped), and writes classic pcap. Stateless.
 */
public final class Pcap {
    private Pcap() {}

    /** {@code LINKTYPE_ETHERNET}. */
    public static final int LINKTYPE_ETHERNET = 1;

    /**
     * One captured packet.
     *
     * @param timestampNanos capture time in nanoseconds since the epoch
     * @param data           the captured bytes
     * @param originalLength the packet's length on the wire (at least {@code data.length})
     * @param linkType       the link type of its interface ({@link #LINKTYPE_ETHERNET} for Ethernet)
     */
    public record Packet(long timestampNanos, byte[] data, int originalLength, int linkType) {
        /** Copies the bytes. */
        public Packet {
            data = data.clone();
        }

        /** The captured bytes (a copy). */
        @Override
        public byte[] data() {
            return data.clone();
        }
    }

    /**
     * The packets of a pcap or pcapng file, in file order.
     *
     * @param name the file's name, for messages
     * @throws MalformedInputException naming the file and the byte offset of what is wrong
     */
    public static List<Packet> read(byte[] bytes, String name) {
        if (bytes.length < 4) {
            throw new MalformedInputException(name + ": too short for a pcap or pcapng file (" + bytes.length + " bytes)");
        }
        int magic = ByteBuffer.wrap(bytes, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt();
        if (magic == 0x0A0D0D0A) {
            return readNg(bytes, name);
        }
        return readClassic(bytes, name);
    }

    private static List<Packet> readClassic(byte[] bytes, String name) {
        if (bytes.length < 24) {
            throw new MalformedInputException(name + ": the pcap header needs 24 bytes, the file has " + bytes.length);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        boolean nanos;
        if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
            nanos = magic == 0xa1b23c4d;
        } else {
            b.order(ByteOrder.BIG_ENDIAN);
            magic = b.getInt(0);
            if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
                throw new MalformedInputException(name + ": not a pcap or pcapng file (magic 0x"
                        + Integer.toHexString(ByteBuffer.wrap(bytes, 0, 4).getInt()) + ")");
            }
            nanos = magic == 0xa1b23c4d;
        }
        int linkType = b.getInt(20) & 0x0fff_ffff;
        List<Packet> out = new ArrayList<>();
        int off = 24;
        while (off < bytes.length) {
            if (bytes.length - off < 16) {
                throw new MalformedInputException(name + ": offset " + off + ": a truncated packet record header");
            }
            long sec = b.getInt(off) & 0xffff_ffffL;
            long frac = b.getInt(off + 4) & 0xffff_ffffL;
            int incl = b.getInt(off + 8);
            int orig = b.getInt(off + 12);
            if (incl < 0 || incl > bytes.length - off - 16) {
                throw new MalformedInputException(name + ": offset " + off + ": packet " + (out.size() + 1) + " claims "
                        + Integer.toUnsignedString(incl) + " bytes, more than the file holds");
            }
            byte[] data = new byte[incl];
            System.arraycopy(bytes, off + 16, data, 0, incl);
            out.add(new Packet(sec * 1_000_000_000L + (nanos ? frac : frac * 1000), data, Math.max(orig, incl), linkType));
            off += 16 + incl;
        }
        return out;
    }

    private static List<Packet> readNg(byte[] bytes, String name) {
        List<Packet> out = new ArrayList<>();
        List<int[]> interfaces = new ArrayList<>();
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int off = 0;
        while (off < bytes.length) {
            if (bytes.length - off < 12) {
                throw new MalformedInputException(name + ": offset " + off + ": a truncated pcapng block");
            }
            int type = b.getInt(off);
            if (type == 0x0A0D0D0A) {
                int bom = b.getInt(off + 8);
                if (bom == 0x4D3C2B1A) {
                    b.order(b.order() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN);
                } else if (bom != 0x1A2B3C4D) {
                    throw new MalformedInputException(name + ": offset " + off + ": bad pcapng byte-order magic");
                }
                interfaces.clear();
            }
            int length = b.getInt(off + 4);
            if (length < 12 || (length & 3) != 0 || length > bytes.length - off) {
                throw new MalformedInputException(name + ": offset " + off + ": pcapng block of type 0x"
                        + Integer.toHexString(type) + " has a bad length " + Integer.toUnsignedString(length));
            }
            int body = off + 8;
            switch (type) {
                case 1 -> {
                    int linkType = b.getShort(body) & 0xffff;
                    int tsresol = 6;
                    int o = body + 8;
                    while (o + 4 <= off + length - 4) {
                        int code = b.getShort(o) & 0xffff;
                        int len = b.getShort(o + 2) & 0xffff;
                        if (code == 0) {
                            break;
                        }
                        if (code == 9 && len >= 1) {
                            tsresol = bytes[o + 4];
                        }
                        o += 4 + ((len + 3) & ~3);
                    }
                    interfaces.add(new int[] {linkType, tsresol});
                }
                case 6 -> {
                    int iface = b.getInt(body);
                    long ts = (b.getInt(body + 4) & 0xffff_ffffL) << 32 | (b.getInt(body + 8) & 0xffff_ffffL);
                    int captured = b.getInt(body + 12);
                    int orig = b.getInt(body + 16);
                    if (captured < 0 || captured > length - 32) {
                        throw new MalformedInputException(name + ": offset " + off + ": packet block claims "
                                + Integer.toUnsignedString(captured) + " captured bytes, more than the block holds");
                    }
                    if (iface < 0 || iface >= interfaces.size()) {
                        throw new MalformedInputException(name + ": offset " + off + ": packet of undeclared interface "
                                + iface);
                    }
                    byte[] data = new byte[captured];
                    System.arraycopy(bytes, body + 20, data, 0, captured);
                    int[] ifc = interfaces.get(iface);
                    out.add(new Packet(toNanos(ts, ifc[1]), data, Math.max(orig, captured), ifc[0]));
                }
                case 3 -> {
                    int orig = b.getInt(body);
                    int captured = Math.min(orig, length - 16);
                    byte[] data = new byte[Math.max(captured, 0)];
                    System.arraycopy(bytes, body + 4, data, 0, data.length);
                    out.add(new Packet(0, data, orig, interfaces.isEmpty() ? LINKTYPE_ETHERNET : interfaces.get(0)[0]));
                }
                default -> {
                }
            }
            off += length;
        }
        return out;
    }

    private static long toNanos(long ts, int tsresol) {
        if ((tsresol & 0x80) != 0) {
            int pow = tsresol & 0x7f;
            return pow >= 30 ? ts : (long) (ts * (1_000_000_000.0 / (1L << pow)));
        }
        long scale = 1;
        for (int i = tsresol; i < 9; i++) {
            scale *= 10;
        }
        return tsresol <= 9 ? ts * scale : ts;
    }

    /** A classic pcap file (microsecond timestamps, little-endian) of Ethernet packets. */
    public static byte[] write(List<Packet> packets) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        h.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(262144)
                .putInt(packets.isEmpty() ? LINKTYPE_ETHERNET : packets.get(0).linkType());
        out.writeBytes(h.array());
        for (Packet p : packets) {
            byte[] data = p.data();
            ByteBuffer r = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            r.putInt((int) (p.timestampNanos() / 1_000_000_000L)).putInt((int) (p.timestampNanos() % 1_000_000_000L / 1000))
                    .putInt(data.length).putInt(Math.max(data.length, p.originalLength()));
            out.writeBytes(r.array());
            out.writeBytes(data);
        }
        return out.toByteArray();
    }
}
