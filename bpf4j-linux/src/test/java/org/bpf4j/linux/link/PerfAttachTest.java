package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.perf.PerfBuffer;
import org.bpf4j.linux.perf.PerfEventAttr;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.linux.testing.CpuPinning;
import org.bpf4j.linux.testing.KernelTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cpu-clock sampling on every CPU, and the perf buffer reader with its lost-sample counts. */
@KernelTest
class PerfAttachTest {
    @TempDir
    Path dir;

    @Test
    void cpuClockSamplingOnEveryCpuCountsSamples() {
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_cpu_clock")) {
            KernelMap counts = o.map("counts").orElseThrow();
            try (Link link = Attacher.of(Kernel.system()).perfEvent(o.programs().get("on_cpu_clock"),
                    PerfEventAttr.softwareFrequency(PerfLayouts.SW_CPU_CLOCK, 1000))) {
                assertEquals(Runtime.getRuntime().availableProcessors(), ((LinkGroup) link).links().size(),
                        "one link per online CPU");
                long end = System.nanoTime() + Duration.ofMillis(300).toNanos();
                long spin = 0;
                while (System.nanoTime() < end) {
                    spin++;
                }
                assertTrue(spin > 0);
            }
            long samples = Fixtures.slot(counts, 3);
            // 1000 Hz on each CPU for 300 ms; a busy CPU alone gives about 300.
            assertTrue(samples >= 50, "cpu-clock samples: " + samples);
            long after = samples;
            assertEquals(after, Fixtures.slot(counts, 3), "detached: no more samples");
        }
    }

    @Test
    void anEventOfOneProcessCountsItsLaterChildrenWhenInherited() throws Exception {
        // the shell forks its busy child after the event is open: only an inherited event sees it
        for (boolean inherit : new boolean[] {false, true}) {
            Process sh = new ProcessBuilder("sh", "-c", "sleep 0.3; (while :; do :; done) & sleep 1; kill $!").start();
            try (KernelObject o = Fixtures.load("trace.bpf.o", "on_cpu_clock")) {
                PerfEventAttr attr = PerfEventAttr.softwareFrequency(PerfLayouts.SW_CPU_CLOCK, 1000);
                try (Link link = Attacher.of(Kernel.system()).perfEventOfProcess(o.programs().get("on_cpu_clock"),
                        inherit ? attr.inherited() : attr, (int) sh.pid())) {
                    sh.waitFor();
                }
                long samples = Fixtures.slot(o.map("counts").orElseThrow(), 3);
                if (inherit) {
                    assertTrue(samples >= 20, "samples of the inherited event: " + samples);
                } else {
                    assertTrue(samples < 20, "samples of the shell alone: " + samples);
                }
            } finally {
                sh.destroyForcibly().waitFor();
            }
        }
    }

    private static void openFile(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            in.read();
        }
    }

    @Test
    void perfBufferDeliversSamples() throws IOException {
        Path file = Files.writeString(dir.resolve("perf.txt"), "x");
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_openat_perf");
                PerfBuffer buffer = PerfBuffer.open(Kernel.system(), o.map("perf_events").orElseThrow(), 8, 1)) {
            Fixtures.targetThisProcess(o);
            List<byte[]> samples = new ArrayList<>();
            try (Link link = Attacher.of(Kernel.system()).tracepoint(o.programs().get("on_openat_perf"), "syscalls",
                    "sys_enter_openat")) {
                for (int i = 0; i < 5; i++) {
                    openFile(file);
                }
                long total = Fixtures.slot(o.map("counts").orElseThrow(), 4);
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (samples.size() < total && System.nanoTime() < deadline) {
                    buffer.poll(Duration.ofMillis(200), (cpu, data) -> samples.add(data));
                }
                assertEquals(total, samples.size());
            }
            TreeSet<Integer> seqs = new TreeSet<>();
            for (byte[] s : samples) {
                ByteBuffer b = ByteBuffer.wrap(s).order(ByteOrder.LITTLE_ENDIAN);
                assertTrue(s.length >= 16, "sample of " + s.length + " bytes");
                assertEquals(ProcessHandle.current().pid(), Integer.toUnsignedLong(b.getInt(0)));
                assertEquals(0xb9f4b9f4b9f4b9f4L, b.getLong(8));
                seqs.add(b.getInt(4));
            }
            assertEquals(samples.size(), seqs.size(), "every sequence number once");
            assertTrue(samples.size() >= 5, samples.size() + " samples");
            assertEquals(0, buffer.lost());
        }
    }

    @Test
    void perfBufferCountsLostSamples() throws Exception {
        // A ring reports its lost count only with its next record: pinned to one CPU, every run's
        // record or loss lands in one ring, and the opens below always flush it.
        CpuPinning.onCpu(0, this::countLostSamples);
    }

    private void countLostSamples() throws IOException {
        Path file = Files.writeString(dir.resolve("lost.txt"), "x");
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_openat_perf");
                PerfBuffer buffer = PerfBuffer.open(Kernel.system(), o.map("perf_events").orElseThrow(), 1, 1)) {
            Fixtures.targetThisProcess(o);
            KernelMap counts = o.map("counts").orElseThrow();
            long[] seen = new long[2];
            PerfBuffer.Handler h = new PerfBuffer.Handler() {
                @Override
                public void onSample(int cpu, byte[] data) {
                    seen[0]++;
                }

                @Override
                public void onLost(int cpu, long count) {
                    seen[1] += count;
                }
            };
            try (Link link = Attacher.of(Kernel.system()).tracepoint(o.programs().get("on_openat_perf"), "syscalls",
                    "sys_enter_openat")) {
                // One page holds about 128 records of 32 bytes: 1000 opens without reading overflow it.
                for (int i = 0; i < 1000; i++) {
                    openFile(file);
                }
                // The kernel reports a ring's lost count with its next record: keep opening and reading
                // until every program run is accounted for.
                for (int round = 0; round < 100 && seen[0] + seen[1] < Fixtures.slot(counts, 4); round++) {
                    buffer.consume(h);
                    if (seen[0] + seen[1] < Fixtures.slot(counts, 4)) {
                        openFile(file);
                        buffer.consume(h);
                    }
                }
            }
            buffer.consume(h);
            long runs = Fixtures.slot(counts, 4);
            assertTrue(seen[1] > 0, "lost samples: " + seen[1]);
            assertEquals(runs, seen[0] + seen[1], "samples " + seen[0] + " + lost " + seen[1] + " = program runs");
            assertEquals(seen[1], buffer.lost());
        }
    }
}
