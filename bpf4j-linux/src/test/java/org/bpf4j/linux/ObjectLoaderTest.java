package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/** The loader's logic over {@link FakeBpf}: no kernel needed. */
class ObjectLoaderTest {
    private static final Path GLOBALS = Path.of(System.getProperty("bpf4j.shared", "../shared"))
            .resolve("corpus/ebpf-samples/build/global_variable.o");

    @Test
    void globalDataIsWrittenRodataFrozenAndLddwPatchedWithFds() {
        assumeTrue(Files.isReadable(GLOBALS), "no corpus object " + GLOBALS);
        ObjectSpec spec = ObjectFile.read(GLOBALS);
        FakeBpf fake = new FakeBpf();
        Kernel kernel = new Kernel(fake, 2, Optional::empty);
        try (KernelObject obj = kernel.load(spec, LoadOptions.defaults().withLayout(DataLayout.read(GLOBALS))
                .withFallbackType(ProgramType.XDP))) {
            assertEquals(1, fake.btfLoads.size());
            assertEquals(spec.maps().size(), fake.maps.size());
            int rodata = spec.mapIndex(".rodata");
            int data = spec.mapIndex(".data");
            int bss = spec.mapIndex(".bss");
            KernelMap ro = obj.map(".rodata").orElseThrow();
            // .rodata and .data get their contents, .bss (all zero) is left alone; .rodata is frozen.
            assertTrue(fake.updates.contains(ro.fd() + ":00000000=" + spec.maps().get(rodata).valueSize() + "B"));
            assertTrue(fake.updates.stream().anyMatch(u -> u.startsWith(obj.map(".data").orElseThrow().fd() + ":")));
            assertTrue(fake.updates.stream().noneMatch(u -> u.startsWith(obj.map(".bss").orElseThrow().fd() + ":")));
            assertEquals(List.of(ro.fd()), fake.frozen);
            assertTrue(data >= 0 && bss >= 0);
            // Global data maps are named after the object and the section, and carry their DATASEC.
            assertEquals("global_v.rodata", fake.maps.get(rodata).name());
            assertTrue(fake.maps.get(rodata).btfValueTypeId() > 0);
            // Every map reference became a map value fd reference.
            Bpf.ProgLoad load = fake.loads.get(0);
            Code code = Code.decode(load.insns());
            long refs = code.instructions().stream().filter(i -> i instanceof Instruction.LoadImm64 l
                    && l.kind() == Imm64Kind.MAP_VALUE_BY_FD).count();
            assertEquals(spec.programs().get(0).mapReferences().size(), refs);
            assertTrue(code.instructions().stream().noneMatch(i -> i instanceof Instruction.LoadImm64 l
                    && l.kind().refersToMap() && (l.kind() == Imm64Kind.MAP_BY_INDEX
                    || l.kind() == Imm64Kind.MAP_VALUE_BY_INDEX)));
            assertEquals(ProgramType.XDP.id(), load.progType());
        }
        assertEquals(java.util.Set.of(), fake.open(), "every descriptor is closed");
    }

    @Test
    void refusedProgramsAreRetriedWithALogThatGrowsOnEnospc() {
        FakeBpf fake = new FakeBpf();
        fake.programs = a -> {
            if (a.logSize() == 0) {
                return new Bpf.LoadResult(-1, Errno.EACCES, "");
            }
            if (a.logSize() < 4 << 20) {
                return new Bpf.LoadResult(-1, Errno.ENOSPC, "truncated");
            }
            return new Bpf.LoadResult(-1, Errno.EACCES, "0: (95) exit\nR0 !read_ok\nprocessed 1 insns\n");
        };
        Kernel kernel = new Kernel(fake, 2, Optional::empty);
        Bpf.ProgLoad attr = new Bpf.ProgLoad(ProgramType.SOCKET_FILTER.id(), new byte[8], "GPL", 0, 0, 0, 0, "p", 0,
                0, 0, new byte[0], new byte[0], 0, 0, new int[0]);
        VerifierException e = assertThrows(VerifierException.class,
                () -> kernel.loadProgram("p", ProgramType.SOCKET_FILTER, attr));
        assertEquals(Errno.EACCES, e.errno());
        assertEquals("R0 !read_ok", e.summary());
        assertEquals(List.of(0, 1 << 20, 4 << 20), fake.loads.stream().map(Bpf.ProgLoad::logSize).toList());
        assertInstanceOf(KernelException.class, e);
    }
}
