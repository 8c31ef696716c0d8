package org.bpf4j.linux.perf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.sys.Epoll;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.Mapping;
import org.bpf4j.linux.sys.Posix;
import org.bpf4j.spec.MapType;

/**
 * Reads what programs write with {@code bpf_perf_event_output} into a
 * {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY}: one {@code PERF_COUNT_SW_BPF_OUTPUT} event per CPU,
 * each with its ring mapped ({@code 1 + 2^n} pages) and stored in the map at the CPU's index.
 * {@link #poll} waits with epoll and hands {@code PERF_RECORD_SAMPLE} payloads and
 * {@code PERF_RECORD_LOST} counts to a handler; records that wrap around the ring's end are
 * copied whole.
 *
 * <p>Owns its events, mappings and epoll descriptor, and removes its entries from the map when
 * closed; the map itself stays open. Not thread-safe: one consumer.
 */
public final class PerfBuffer implements AutoCloseable {
    private static final VarHandle LONG = ValueLayout.JAVA_LONG.varHandle();

    private final KernelMap map;
    private final List<Ring> rings = new ArrayList<>();
    private final Epoll epoll;
    private long lost;
    private long samples;
    private boolean closed;

    /** Receives the records of the rings. */
    public interface Handler {
        /**
         * A sample's raw payload (what the program passed to {@code bpf_perf_event_output},
         * padded by the kernel to keep records 8-byte aligned).
         *
         * @param cpu the CPU whose ring held it
         * @param data the payload, the caller's to keep
         */
        void onSample(int cpu, byte[] data);

        /** The kernel dropped {@code count} samples on {@code cpu} because its ring was full. */
        default void onLost(int cpu, long count) {
        }
    }

    private record Ring(int cpu, Fd event, Mapping mapping, MemorySegment data, long size) {
    }

    private PerfBuffer(Kernel kernel, KernelMap map, int pagesPerCpu, int wakeupEvents) {
        this.map = map;
        int page = Posix.pageSize();
        Epoll e = new Epoll(kernel.bpf());
        this.epoll = e;
        try {
            int n = Math.min(map.maxEntries(), kernel.cpus());
            for (int cpu = 0; cpu < n; cpu++) {
                Fd fd;
                try {
                    fd = PerfEvents.open(kernel, PerfEventAttr.bpfOutput(wakeupEvents), null, -1, cpu,
                            "perf buffer '" + map.name() + "'");
                } catch (KernelException ex) {
                    if (ex.errno() == Errno.ENODEV || ex.errno() == Errno.EINVAL) {
                        continue; // an offline CPU
                    }
                    throw ex;
                }
                Mapping m;
                try {
                    m = Mapping.map(fd.value(), 0, (long) page * (1 + pagesPerCpu),
                            Mapping.PROT_READ | Mapping.PROT_WRITE, fd.what());
                } catch (RuntimeException ex) {
                    fd.close();
                    throw ex;
                }
                MemorySegment s = m.segment();
                long off = s.get(ValueLayout.JAVA_LONG, PerfLayouts.DATA_OFFSET);
                long size = s.get(ValueLayout.JAVA_LONG, PerfLayouts.DATA_SIZE);
                if (off == 0) {
                    off = page;
                    size = (long) page * pagesPerCpu;
                }
                rings.add(new Ring(cpu, fd, m, s.asSlice(off, size), size));
                PerfEvents.ioctl(fd, PerfLayouts.IOC_ENABLE, 0, "enabling");
                map.update(intKey(cpu), intKey(fd.value()), KernelMap.ANY);
                epoll.add(fd.value(), rings.size() - 1);
            }
        } catch (RuntimeException ex) {
            closeRings();
            e.close();
            throw ex;
        }
    }

    /**
     * Opens a perf buffer on a perf event array.
     *
     * @param kernel the backend
     * @param map a {@code perf_event_array} map, which must stay open while the buffer is used
     * @param pagesPerCpu the size of each CPU's ring in pages, a power of two
     * @param wakeupEvents wake the reader after this many samples (1: every sample)
     * @throws Bpf4jException if the map is not a perf event array or the size is not a power of two
     * @throws KernelException if the kernel refuses an event or a mapping
     */
    public static PerfBuffer open(Kernel kernel, KernelMap map, int pagesPerCpu, int wakeupEvents) {
        Objects.requireNonNull(map, "map");
        if (map.type() != MapType.PERF_EVENT_ARRAY.id()) {
            throw new Bpf4jException("map '" + map.name() + "' is not a perf event array (type " + map.type()
                    + "); a PerfBuffer needs a perf_event_array map");
        }
        if (pagesPerCpu <= 0 || Integer.bitCount(pagesPerCpu) != 1) {
            throw new Bpf4jException("a perf buffer's ring size must be a power of two pages, not " + pagesPerCpu);
        }
        return new PerfBuffer(kernel, map, pagesPerCpu, wakeupEvents);
    }

    /** The CPUs that have a ring (the online ones among the map's slots). */
    public List<Integer> cpus() {
        return rings.stream().map(Ring::cpu).toList();
    }

    /** How many samples were lost in all rings so far, as the kernel reported them. */
    public long lost() {
        return lost;
    }

    /** How many samples were handed out so far. */
    public long samples() {
        return samples;
    }

    /**
     * Reads every record available now in every ring, without waiting.
     *
     * @return how many samples were handed to {@code handler}
     */
    public int consume(Handler handler) {
        checkOpen();
        int n = 0;
        for (Ring r : rings) {
            n += drain(r, handler);
        }
        return n;
    }

    /**
     * Waits up to {@code timeout} for a ring to have records, then reads every ring.
     *
     * @return how many samples were handed to {@code handler}
     */
    public int poll(Duration timeout, Handler handler) {
        int n = consume(handler);
        if (n > 0) {
            return n;
        }
        long ms = Math.max(0, Math.min(Integer.MAX_VALUE, timeout.toMillis()));
        epoll.await((int) ms);
        return consume(handler);
    }

    private int drain(Ring r, Handler handler) {
        MemorySegment meta = r.mapping().segment();
        long head = (long) LONG.getAcquire(meta, PerfLayouts.DATA_HEAD);
        long tail = meta.get(ValueLayout.JAVA_LONG, PerfLayouts.DATA_TAIL);
        int n = 0;
        while (tail < head) {
            byte[] header = copy(r, tail, 8);
            ByteBuffer h = ByteBuffer.wrap(header).order(ByteOrder.nativeOrder());
            int type = h.getInt(0);
            int size = Short.toUnsignedInt(h.getShort(6));
            if (size < 8) {
                throw new Bpf4jException("perf buffer '" + map.name() + "', CPU " + r.cpu() + ": record of size "
                        + size + " at " + tail + " (the ring is damaged)");
            }
            byte[] body = copy(r, tail + 8, size - 8);
            ByteBuffer b = ByteBuffer.wrap(body).order(ByteOrder.nativeOrder());
            if (type == PerfLayouts.RECORD_SAMPLE && body.length >= 4) {
                int len = Math.min(b.getInt(0), body.length - 4);
                byte[] payload = new byte[len];
                System.arraycopy(body, 4, payload, 0, len);
                samples++;
                n++;
                handler.onSample(r.cpu(), payload);
            } else if (type == PerfLayouts.RECORD_LOST && body.length >= 16) {
                long count = b.getLong(8);
                lost += count;
                handler.onLost(r.cpu(), count);
            }
            tail += size;
        }
        LONG.setRelease(meta, PerfLayouts.DATA_TAIL, tail);
        return n;
    }

    private static byte[] copy(Ring r, long pos, int len) {
        byte[] out = new byte[len];
        long at = pos & (r.size() - 1);
        int first = (int) Math.min(len, r.size() - at);
        MemorySegment.copy(r.data(), ValueLayout.JAVA_BYTE, at, out, 0, first);
        if (first < len) {
            MemorySegment.copy(r.data(), ValueLayout.JAVA_BYTE, 0, out, first, len - first);
        }
        return out;
    }

    private static byte[] intKey(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException("perf buffer '" + map.name() + "' is closed");
        }
    }

    private void closeRings() {
        for (Ring r : rings) {
            try {
                map.delete(intKey(r.cpu()));
            } catch (RuntimeException ignored) {
                // the map may already be closed; the event goes away with its descriptor anyway
            }
            try {
                PerfEvents.ioctl(r.event(), PerfLayouts.IOC_DISABLE, 0, "disabling");
            } catch (RuntimeException ignored) {
                // closing the descriptor below ends the event in any case
            }
            r.mapping().close();
            r.event().close();
        }
        rings.clear();
    }

    /** Removes the events from the map, unmaps and closes them. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        closeRings();
        epoll.close();
    }
}
