package org.bpf4j.vm.map;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.vm.Cpus;

/**
 * The host's side of a {@link PerfEventArrayMap}: one buffer per VM CPU, read in CPU order, as
 * libbpf's {@code perf_buffer} reads one ring per CPU. Samples arrive with the zero padding Linux
 * adds (their length is a multiple of 8, minus 4); lost samples arrive as counts, where the kernel
 * writes a {@code PERF_RECORD_LOST} record. Poll from one thread at a time; close to empty the slots.
 */
public final class PerfEventReader implements AutoCloseable {
    /** Receives what a poll finds. */
    public interface Handler {
        /** A sample a program on {@code cpu} output. */
        void sample(int cpu, byte[] data);

        /** {@code count} samples on {@code cpu} were lost because its buffer was full. */
        void lost(int cpu, long count);
    }

    private final PerfEventArrayMap map;
    private final List<PerfEventArrayMap.Buffer> buffers = new ArrayList<>();

    PerfEventReader(PerfEventArrayMap map, long bytes) {
        this.map = map;
        int n = Math.min(Cpus.count(), map.definition().maxEntries());
        for (int cpu = 0; cpu < n; cpu++) {
            PerfEventArrayMap.Buffer b = new PerfEventArrayMap.Buffer(cpu, bytes);
            buffers.add(b);
            map.attach(cpu, b);
        }
    }

    /** Delivers every record now in the buffers, CPU by CPU; returns the number of samples delivered. */
    public int poll(Handler handler) {
        int samples = 0;
        for (PerfEventArrayMap.Buffer b : buffers) {
            for (Object r = b.take(); r != null; r = b.take()) {
                if (r instanceof byte[] data) {
                    handler.sample(b.cpu, data);
                    samples++;
                } else {
                    handler.lost(b.cpu, (Long) r);
                }
            }
        }
        return samples;
    }

    /** Samples lost on a CPU since the reader opened (including those not yet reported by a poll). */
    public long lost(int cpu) {
        PerfEventArrayMap.Buffer b = buffers.get(cpu);
        synchronized (b) {
            return b.totalLost;
        }
    }

    /** Number of CPUs read. */
    public int cpus() {
        return buffers.size();
    }

    @Override
    public void close() {
        for (PerfEventArrayMap.Buffer b : buffers) {
            map.detach(b.cpu, b);
        }
    }
}
