package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.isa.Assembler;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pinning to and opening from a bpf file system that the test mounts in a temporary directory and unmounts. */
@KernelTest
class PinningTest {
    @TempDir
    Path dir;

    @Test
    void pinnedObjectsOutliveTheirDescriptorsAndReopen() throws IOException {
        Path fs = Files.createDirectory(dir.resolve("bpffs"));
        assertFalse(Bpffs.isMountPoint(fs));
        assertTrue(Bpffs.mount(fs));
        try {
            assertTrue(Bpffs.isMountPoint(fs));
            assertTrue(Bpffs.contains(fs.resolve("a/b")));
            Kernel k = Kernel.system();
            int mapId;
            try (KernelMap m = k.createMap("t_pinned", MapType.ARRAY, 4, 4, 2, 0)) {
                m.update(new byte[4], new byte[] {1, 2, 3, 4}, KernelMap.ANY);
                m.pin(fs.resolve("map").toString());
                mapId = m.id();
            }
            try (KernelMap again = k.openPinnedMap(fs.resolve("map").toString());
                    KernelMap byId = k.openMap(mapId)) {
                assertEquals("t_pinned", again.name());
                assertEquals(mapId, again.id());
                assertArrayEquals(new byte[] {1, 2, 3, 4}, again.lookup(new byte[4]).orElseThrow());
                assertEquals(4, byId.valueSize());
            }
            try (KernelProgram p = k.loadProgram("t_pinprog", ProgramType.SOCKET_FILTER, KernelProgramTest.load(
                    ProgramType.SOCKET_FILTER, Assembler.assemble("mov %r0, 7\nexit\n", "t.s")))) {
                p.pin(fs.resolve("prog").toString());
            }
            try (KernelProgram p = k.openPinnedProgram(fs.resolve("prog").toString())) {
                assertEquals(ProgramType.SOCKET_FILTER, p.type());
                assertEquals(7, p.testRun(KernelProgram.TestRun.ofData(new byte[64])).retval());
            }
        } finally {
            Files.deleteIfExists(fs.resolve("map"));
            Files.deleteIfExists(fs.resolve("prog"));
            Bpffs.unmount(fs);
        }
        assertFalse(Bpffs.isMountPoint(fs));
    }
}
