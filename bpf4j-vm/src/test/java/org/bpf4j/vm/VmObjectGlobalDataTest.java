package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.MapException;
import org.bpf4j.vm.run.TestRun;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.testprogs.TestProgramsTest;
import org.junit.jupiter.api.Test;

/**
 * Global data of an object in the VM (testprogs' globals.o): {@code .rodata} and {@code .rodata.*}
 * are read-only for programs and frozen after the load, as libbpf leaves them in the kernel; the
 * host sets their initial values before the load.
 */
class VmObjectGlobalDataTest {
    private static final int XDP_DROP = 1;

    private static ObjectSpec globals() throws Exception {
        Path p = TestProgramsTest.testprogs().resolve("globals.o");
        return ObjectFile.parse(Files.readAllBytes(p), "globals.o");
    }

    @Test
    void rodataIsReadOnlyForProgramsAndFrozenForTheHost() throws Exception {
        try (VmObject o = VmObject.load(globals())) {
            for (String name : new String[] {".rodata", ".rodata.limits"}) {
                BpfMap m = o.map(name);
                assertTrue(m.readOnlyForPrograms(), name);
                assertTrue(m.frozen(), name);
                MapException e = assertThrows(MapException.class, () -> m.put(new byte[4],
                        new byte[m.definition().valueSize()], BpfMap.ANY));
                assertEquals(Errno.EPERM, e.errno(), e.getMessage());
            }
            BpfMap data = o.map(".data");
            assertFalse(data.readOnlyForPrograms());
            assertFalse(data.frozen());
            data.put(new byte[4], new byte[data.definition().valueSize()], BpfMap.ANY);
        }
    }

    @Test
    void theHostSetsRodataBeforeTheLoad() throws Exception {
        ObjectSpec spec = globals();
        byte[] frame = new byte[100];
        frame[12] = 0x08;
        try (VmObject plain = VmObject.load(spec)) {
            long r = TestRun.run(plain.program("globals").program(), ProgramType.XDP, Optional.empty(),
                    TestRunInput.of(frame)).retval();
            assertTrue(r != XDP_DROP, "100 bytes are within the default limits [60, 1500]: " + r);
        }
        byte[] limits = {60, 0, 0, 0, 70, 0, 0, 0};
        try (VmObject tight = VmObject.load(spec, VmOptions.defaults(), Map.of(".rodata.limits", limits))) {
            assertArrayEquals(limits, tight.map(".rodata.limits").lookup(new byte[4]).orElseThrow());
            long r = TestRun.run(tight.program("globals").program(), ProgramType.XDP, Optional.empty(),
                    TestRunInput.of(frame)).retval();
            assertEquals(XDP_DROP, r, "100 bytes are above the host's limit of 70");
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VmObject.load(spec,
                VmOptions.defaults(), Map.of(".rodata.limits", new byte[3])));
        assertTrue(e.getMessage().contains("has 3 bytes"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> VmObject.load(spec, VmOptions.defaults(),
                Map.of("nope", new byte[3])));
        assertTrue(e.getMessage().contains("no global data map 'nope'"), e.getMessage());
    }
}
