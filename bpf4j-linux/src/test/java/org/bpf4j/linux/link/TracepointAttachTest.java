package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.ringbuf.RingBufferReader;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.AttachType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Tracepoint, raw tracepoint and tp_btf links on the openat system call, observed through a map and a ring buffer. */
@KernelTest
class TracepointAttachTest {
    @TempDir
    Path dir;

    private static void openFile(Path p) throws IOException {
        try (var in = Files.newInputStream(p)) {
            in.read();
        }
    }

    @Test
    void tracepointSeesOurOpenatInTheMapAndTheRingBuffer() throws IOException {
        Path file = Files.writeString(dir.resolve("bpf4j-openat-probe.txt"), "x");
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_openat");
                RingBufferReader ring = RingBufferReader.open(o.map("events").orElseThrow())) {
            Fixtures.targetThisProcess(o);
            KernelMap counts = o.map("counts").orElseThrow();
            List<String> names = new ArrayList<>();
            try (Link link = Attacher.of(Kernel.system()).tracepoint(o.programs().get("on_openat"), "syscalls",
                    "sys_enter_openat")) {
                assertTrue(link instanceof BpfLink b && b.id() > 0, link.toString());
                for (int i = 0; i < 3; i++) {
                    openFile(file);
                }
                long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
                while (names.stream().filter(n -> n.equals(file.toString())).count() < 3
                        && System.nanoTime() < deadline) {
                    ring.poll(Duration.ofMillis(200), r -> {
                        ByteBuffer b = r.asByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                        assertEquals(ProcessHandle.current().pid(), Integer.toUnsignedLong(b.getInt(0)));
                        byte[] name = new byte[64];
                        b.get(16, name);
                        int len = 0;
                        while (len < 64 && name[len] != 0) {
                            len++;
                        }
                        names.add(new String(name, 0, len, StandardCharsets.UTF_8));
                    });
                }
            }
            assertEquals(3, names.stream().filter(n -> n.equals(file.toString())).count(), names.toString());
            long seen = Fixtures.slot(counts, 0);
            assertTrue(seen >= 3, "counts[0] = " + seen);
            // Detached: opening again changes nothing.
            openFile(file);
            assertEquals(seen, Fixtures.slot(counts, 0));
            assertEquals(0, ring.available());
        }
    }

    @Test
    void rawTracepointCountsOpenatSyscalls() throws IOException {
        Path file = Files.writeString(dir.resolve("raw.txt"), "x");
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_raw_sys_enter")) {
            Fixtures.targetThisProcess(o);
            try (Link link = Attacher.of(Kernel.system()).rawTracepoint(o.programs().get("on_raw_sys_enter"),
                    "sys_enter")) {
                LinkInfo info = ((BpfLink) link).info();
                assertEquals("raw_tracepoint", info.typeName());
                assertEquals(o.programs().get("on_raw_sys_enter").id(), info.programId());
                assertTrue(LinkInfo.list(Kernel.system().bpf()).contains(info), "link list has " + info);
                for (int i = 0; i < 4; i++) {
                    openFile(file);
                }
            }
            long n = Fixtures.slot(o.map("counts").orElseThrow(), 1);
            assertTrue(n >= 4, "raw tracepoint saw " + n + " openat calls, expected at least 4");
        }
    }

    @Test
    void tpBtfCountsOpenatSyscalls() throws IOException {
        Path file = Files.writeString(dir.resolve("btf.txt"), "x");
        try (KernelObject o = Fixtures.load("trace.bpf.o", "on_btf_sys_enter")) {
            Fixtures.targetThisProcess(o);
            try (Link link = Attacher.of(Kernel.system()).tracing(o.programs().get("on_btf_sys_enter"),
                    AttachType.TRACE_RAW_TP)) {
                for (int i = 0; i < 4; i++) {
                    openFile(file);
                }
            }
            long n = Fixtures.slot(o.map("counts").orElseThrow(), 2);
            assertTrue(n >= 4, "tp_btf saw " + n + " openat calls, expected at least 4");
        }
    }
}
