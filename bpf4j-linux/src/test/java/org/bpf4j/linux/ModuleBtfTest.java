package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * CO-RE against module BTF: when the kernel's BTF has no candidate for a relocation's type, the
 * loader resolves it against the module whose split BTF defines it. The unit test writes a BTF
 * directory with a small "vmlinux" and a module ("bpf4j_mod") whose split BTF defines
 * {@code struct bpf4j_mod_thing} with member {@code b} at byte 12 (the object's local definition,
 * {@code attach/src/core_module.bpf.c}, has it at 4), and loads the object through a fake syscall
 * layer. The kernel test reads the running kernel's module BTF, if it has any.
 */
class ModuleBtfTest {
    private static final Path OBJECT = Path.of("src/test/resources/attach/core_module.bpf.o").toAbsolutePath();

    @TempDir
    Path dir;

    private static void u32(ByteArrayOutputStream out, long v) {
        for (int i = 0; i < 4; i++) {
            out.write((int) (v >>> (8 * i)));
        }
    }

    /** Split BTF on a base whose string section is one NUL byte and whose last type id is 1 ('int'). */
    static byte[] moduleBtf() {
        // Strings continue the base's (1 byte): offsets 1, 17, 21, 23.
        byte[] strings = "bpf4j_mod_thing\0pad\0a\0b\0".getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream types = new ByteArrayOutputStream();
        u32(types, 1); // name 'bpf4j_mod_thing'
        u32(types, 4L << 24 | 3); // STRUCT, 3 members
        u32(types, 16); // size
        long[][] members = {{17, 0}, {21, 32}, {23, 96}}; // pad @0, a @4, b @12 (bit offsets)
        for (long[] m : members) {
            u32(types, m[0]);
            u32(types, 1); // int
            u32(types, m[1]);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x9f);
        out.write(0xeb);
        out.write(1); // version
        out.write(0); // flags
        u32(out, 24); // header length
        u32(out, 0); // type offset
        u32(out, types.size());
        u32(out, types.size()); // string offset
        u32(out, strings.length);
        out.writeBytes(types.toByteArray());
        out.writeBytes(strings);
        return out.toByteArray();
    }

    @Test
    void aTypeMissingFromVmlinuxIsResolvedAgainstTheModuleThatDefinesIt() throws IOException {
        Btf vmlinux = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32)));
        Files.write(dir.resolve("vmlinux"), new byte[0]); // never read: the kernel's BTF is given
        Files.write(dir.resolve("bpf4j_mod"), moduleBtf());
        Files.write(dir.resolve("other_mod"), new byte[] {1, 2, 3}); // no such name: never parsed
        FakeBpf fake = new FakeBpf();
        Kernel kernel = new Kernel(fake, 2, () -> Optional.of(vmlinux), dir);
        assertEquals(List.of("bpf4j_mod", "other_mod"), kernel.moduleBtfNames());
        Kernel.ModuleBtf m = kernel.moduleDefining("bpf4j_mod_thing").orElseThrow();
        assertEquals("bpf4j_mod", m.name());
        assertEquals(2, m.btf().firstOwnId());
        assertEquals(List.of(2), m.btf().typeIdsByName("bpf4j_mod_thing"));

        ObjectSpec spec = ObjectFile.read(OBJECT);
        try (KernelObject o = kernel.load(spec, LoadOptions.defaults())) {
            assertEquals(List.of("mod_offset"), List.copyOf(o.programs().keySet()));
            byte[] insns = fake.loads.get(0).insns();
            // r0 = offsetof(struct bpf4j_mod_thing, b): 4 locally, 12 in the module.
            assertEquals(0xb7, insns[0] & 0xff);
            assertEquals(12, java.nio.ByteBuffer.wrap(insns).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4));
        }
        assertEquals(java.util.Set.of(), fake.open(), "every descriptor is closed");
    }

    @Test
    void withoutTheModuleTheRelocationIsPoisonedAsAgainstVmlinux() throws IOException {
        Btf vmlinux = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32)));
        FakeBpf fake = new FakeBpf();
        Kernel kernel = new Kernel(fake, 2, () -> Optional.of(vmlinux), dir);
        try (KernelObject o = kernel.load(ObjectFile.read(OBJECT), LoadOptions.defaults())) {
            // As libbpf: an unresolvable relocation becomes a call to a poison helper the kernel refuses.
            byte[] insns = fake.loads.get(0).insns();
            assertEquals(0x85, insns[0] & 0xff);
            assertEquals(org.bpf4j.object.CoreRelocator.POISON_HELPER,
                    java.nio.ByteBuffer.wrap(insns).order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt(4));
        }
    }

    @Test
    @KernelTest
    void inTheKernelAnUnresolvedRelocationIsRefusedNamingIt() {
        Kernel k = Kernel.system();
        Assumptions.assumeTrue(k.moduleDefining("bpf4j_mod_thing").isEmpty(), "a module defines bpf4j_mod_thing");
        try (KernelObject o = k.load(ObjectFile.read(OBJECT), LoadOptions.defaults())) {
            assertEquals(1, o.rejected().size());
            String m = o.rejected().get(0).error().getMessage();
            assertTrue(m.startsWith("core_module.bpf.o: program 'mod_offset': CO-RE relocation at instruction 0 ("),
                    m);
            assertTrue(m.contains("bpf4j_mod_thing") && m.endsWith("and the kernel refused the poisoned instruction"),
                    m);
        }
    }

    @Test
    @KernelTest
    void theRunningKernelsModuleBtfParsesOnVmlinux() {
        Kernel k = Kernel.system();
        List<String> names = k.moduleBtfNames();
        Assumptions.assumeFalse(names.isEmpty(), "skipped: no module BTF under /sys/kernel/btf here (only "
                + "vmlinux: the modules this kernel needs are built in)");
        String first = names.get(0);
        Btf btf = k.moduleBtf(first).orElseThrow();
        Btf base = k.vmlinuxBtf().orElseThrow();
        assertEquals(base.size(), btf.firstOwnId());
        assertTrue(btf.size() > btf.firstOwnId(), first + " defines no type of its own");
        // Some named type of the module that vmlinux lacks must be found through the module search.
        for (int id = btf.firstOwnId(); id < btf.size(); id++) {
            String n = btf.typeById(id).name();
            if (!n.isEmpty() && base.typeIdsByName(n).isEmpty()) {
                Kernel.ModuleBtf found = k.moduleDefining(n).orElseThrow();
                assertTrue(found.btf().typeIdsByName(n).stream().anyMatch(i -> i >= found.btf().firstOwnId()));
                return;
            }
        }
    }
}
