package org.bpf4j.linux.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bpf4j.Bpf4jException;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The encoder against the parser: every corpus object's BTF, and the kernel's, survive a round trip. */
class BtfEncoderTest {
    private static final Path SAMPLES = Path.of(System.getProperty("bpf4j.shared", "../shared"))
            .resolve("corpus/ebpf-samples");

    private static void roundTrip(Btf btf, String where) {
        BtfEncoder.Encoded enc = BtfEncoder.encode(btf, Set.of("extra string"));
        Btf back = Btf.parse(ByteReader.of(enc.bytes(), where));
        assertEquals(btf.types(), back.types(), where);
        assertEquals("extra string", back.string(enc.offset("extra string")).orElseThrow());
    }

    @TestFactory
    Stream<DynamicTest> corpusObjectsRoundTrip() throws IOException {
        assumeTrue(Files.isDirectory(SAMPLES), "no corpus at " + SAMPLES);
        List<Path> files;
        try (Stream<Path> s = Files.walk(SAMPLES)) {
            files = s.filter(p -> p.toString().endsWith(".o")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(SAMPLES.relativize(f).toString(), () -> {
            ObjectSpec spec;
            try {
                spec = ObjectFile.read(f);
            } catch (Bpf4jException e) {
                return; // refused objects are the object module's tests
            }
            spec.btf().ifPresent(b -> roundTrip(b, f.toString()));
        }));
    }

    @Test
    void kernelBtfRoundTrips() throws IOException {
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        assumeTrue(Files.isReadable(vmlinux), "no kernel BTF at " + vmlinux);
        roundTrip(Btf.parse(ByteReader.of(Files.readAllBytes(vmlinux), "vmlinux")), "vmlinux");
    }

    @Test
    void sanitizerFixesDatasecsAndExterns() {
        Btf btf = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Var("a", 1, BtfType.Linkage.GLOBAL), new BtfType.Var("b", 1, BtfType.Linkage.GLOBAL),
                new BtfType.Datasec(".data", 0, List.of(new BtfType.VarSecInfo(2, 0, 4),
                        new BtfType.VarSecInfo(3, 0, 4))),
                new BtfType.Var("CONFIG_X", 1, BtfType.Linkage.EXTERN),
                new BtfType.FuncProto("", 1, List.of()),
                new BtfType.Func("bpf_kfunc", 6, BtfType.Linkage.EXTERN),
                new BtfType.Datasec(".ksyms", 0, List.of(new BtfType.VarSecInfo(7, 0, 0)))));
        DataLayout layout = new DataLayout(Map.of(".data", 16L), Map.of(".data", Map.of("a", 8L, "b", 0L)));
        List<BtfType> out = BtfSanitizer.sanitize(btf, layout, Map.of());
        assertEquals(new BtfType.Datasec(".data", 16, List.of(new BtfType.VarSecInfo(3, 0, 4),
                new BtfType.VarSecInfo(2, 8, 4))), out.get(4));
        assertEquals(BtfType.Linkage.GLOBAL, ((BtfType.Var) out.get(5)).linkage());
        assertEquals(BtfType.Linkage.STATIC, ((BtfType.Func) out.get(7)).linkage());
        BtfType.Datasec ksyms = (BtfType.Datasec) out.get(8);
        BtfType.Var dummy = (BtfType.Var) out.get(ksyms.vars().get(0).type());
        assertEquals("bpf_kfunc", dummy.name());
        assertTrue(ksyms.size() >= 4);
        // Without a layout, overlapping variables are laid out one after another.
        List<BtfType> seq = BtfSanitizer.sanitize(btf, DataLayout.NONE, Map.of());
        assertEquals(new BtfType.Datasec(".data", 8, List.of(new BtfType.VarSecInfo(2, 0, 4),
                new BtfType.VarSecInfo(3, 4, 4))), seq.get(4));
    }
}
