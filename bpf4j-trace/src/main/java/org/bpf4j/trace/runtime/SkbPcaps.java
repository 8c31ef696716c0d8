package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.codegen.Events;

/**
 * The pcap files of {@code skboutput()}, written as bpftrace writes them: created when the script
 * starts, one per file name (calls naming one file share it), link type raw IP (101), snapshot
 * length 65535, microsecond timestamps of the wall clock, each packet as captured after the call's
 * offset. Not thread-safe: used by the thread that reads the events.
 */
final class SkbPcaps implements AutoCloseable {
    /** {@code LINKTYPE_RAW}: packets begin with their IP header. */
    private static final int LINKTYPE_RAW = 101;
    private static final int SNAPLEN = 65535;

    private final List<Events.SkbOutput> calls;
    private final Map<String, OutputStream> files = new HashMap<>();
    /** Wall-clock nanoseconds minus monotonic nanoseconds, to date the packets. */
    private final long wallOffset;

    /** Creates (truncates) every file the calls name. @throws UncheckedIOException if one cannot be written */
    SkbPcaps(List<Events.SkbOutput> calls, long monotonicNow) {
        this.calls = calls;
        this.wallOffset = System.currentTimeMillis() * 1_000_000L - monotonicNow;
        try {
            for (Events.SkbOutput c : calls) {
                if (!files.containsKey(c.file())) {
                    OutputStream out = Files.newOutputStream(Path.of(c.file()));
                    files.put(c.file(), out);
                    out.write(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0xa1b2c3d4)
                            .putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(SNAPLEN)
                            .putInt(LINKTYPE_RAW).array());
                }
            }
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("cannot create the pcap file of skboutput(): " + e.getMessage(), e);
        }
    }

    /** Writes the packet of an {@link Events#SKB_OUTPUT} record (header, then the captured bytes). */
    void write(byte[] record) {
        Events.SkbOutput call = calls.get((int) Values.u64(record, 8));
        long nanos = Values.u64(record, 16) + wallOffset;
        int end = (int) Math.min(record.length, 32 + Values.u64(record, 24)); // without the sample's padding
        int from = (int) Math.min(end, 32 + call.offset());
        int size = end - from;
        if (size <= 0) {
            return; // nothing after the offset, as bpftrace
        }
        try {
            OutputStream out = files.get(call.file());
            out.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt((int) (nanos / 1_000_000_000L))
                    .putInt((int) (nanos % 1_000_000_000L / 1000)).putInt(size).putInt(size).array());
            out.write(record, from, size);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + call.file() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        for (OutputStream out : files.values()) {
            try {
                out.close();
            } catch (IOException e) {
                // closing: nothing more to write
            }
        }
        files.clear();
    }
}
