package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.MapType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Maps declared {@code pinning = LIBBPF_PIN_BY_NAME} ({@code attach/src/pinned.bpf.c}): pinned
 * under the pin root on the first load, reused by the next load when compatible, refused with a
 * message naming the differences when not. Runs on a bpf file system the test mounts in a
 * temporary directory and unmounts.
 */
@KernelTest
class PinByNameTest {
    private static final Path OBJECT = Path.of("src/test/resources/attach/pinned.bpf.o").toAbsolutePath();

    @TempDir
    Path dir;
    private Path fs;
    private List<Path> preloaded; // what a fresh bpffs holds by itself (maps.debug, progs.debug)

    @BeforeEach
    void mount() throws IOException {
        fs = Files.createDirectory(dir.resolve("bpffs"));
        assertTrue(Bpffs.mount(fs), "a fresh directory cannot be a bpffs mount point already");
        preloaded = pins();
    }

    @AfterEach
    void unmount() throws IOException {
        for (Path p : pins()) {
            if (!preloaded.contains(p)) {
                Files.delete(p);
            }
        }
        Bpffs.unmount(fs);
    }

    /** The files in the bpffs, pins and the kernel's own. */
    private List<Path> pins() throws IOException {
        try (Stream<Path> s = Files.list(fs)) {
            return s.sorted().toList();
        }
    }

    private static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    private static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    private KernelObject load() {
        ObjectSpec spec = ObjectFile.read(OBJECT);
        return Kernel.system().load(spec, LoadOptions.defaults().withPinRoot(fs));
    }

    private static int run(KernelObject o) {
        return o.program("count_runs").orElseThrow().testRun(KernelProgram.TestRun.ofData(new byte[64])).retval();
    }

    @Test
    void firstLoadPinsAndSecondReusesWithContents() throws IOException {
        int countsId;
        try (KernelObject o = load()) {
            assertEquals(List.of(new KernelObject.PinnedMap("pin_counts", fs.resolve("pin_counts"), false),
                    new KernelObject.PinnedMap("pin_config", fs.resolve("pin_config"), false)), o.pinnedMaps());
            assertTrue(Files.exists(fs.resolve("pin_counts")));
            assertFalse(Files.exists(fs.resolve("local_scratch")), "a map without pinning must not be pinned");
            o.map("pin_config").orElseThrow().update(u32(0), u32(3), KernelMap.ANY);
            assertEquals(3, run(o));
            assertEquals(3, run(o), "the verdict still comes from pin_config");
            countsId = o.map("pin_counts").orElseThrow().id();
            assertEquals(2, u64(o.map("pin_counts").orElseThrow().lookup(u32(0)).orElseThrow()));
        }
        // The object is closed: the pins keep the maps, and the next load reuses them.
        try (KernelObject o = load()) {
            assertEquals(List.of(new KernelObject.PinnedMap("pin_counts", fs.resolve("pin_counts"), true),
                    new KernelObject.PinnedMap("pin_config", fs.resolve("pin_config"), true)), o.pinnedMaps());
            assertEquals(countsId, o.map("pin_counts").orElseThrow().id());
            assertEquals(3, run(o), "the reused pin_config keeps the first load's verdict");
            assertEquals(3, u64(o.map("pin_counts").orElseThrow().lookup(u32(0)).orElseThrow()));
            assertEquals(1, u64(o.map("local_scratch").orElseThrow().lookup(u32(0)).orElseThrow()),
                    "an unpinned map is created afresh");
        }
    }

    @Test
    void anIncompatiblePinIsRefusedAndTheLoadLeavesNoPinOfItsOwn() {
        // pin_config is declared as an array of 1 u32 value; pin an array of 4 u64 values there.
        try (KernelMap other = Kernel.system().createMap("pin_config", MapType.ARRAY, 4, 8, 4, 0)) {
            other.pin(fs.resolve("pin_config").toString());
        }
        IncompatiblePinException e = assertThrows(IncompatiblePinException.class, this::load);
        assertEquals("pinned.bpf.o: map 'pin_config': the map pinned at " + fs.resolve("pin_config")
                + " is incompatible (value size 8, declared 4; max_entries 4, declared 1); unpin it or change the"
                + " pin root", e.getMessage());
        assertFalse(Files.exists(fs.resolve("pin_counts")), "the failed load must remove the pin it made");
        assertTrue(Files.exists(fs.resolve("pin_config")), "a pin the load did not make stays");
    }

    @Test
    void withoutPinningNothingIsPinned() throws IOException {
        try (KernelObject o = Kernel.system().load(ObjectFile.read(OBJECT), LoadOptions.defaults().withoutPinning())) {
            assertEquals(List.of(), o.pinnedMaps());
            assertEquals(0, run(o));
        }
        assertEquals(preloaded, pins());
    }
}
