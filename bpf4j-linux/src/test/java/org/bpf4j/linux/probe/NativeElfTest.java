package org.bpf4j.linux.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;

/**
 * Symbols, segments and USDT notes of the attach tests' binary, checked against what nm and
 * readelf printed when build.sh built it ({@code target.expected}).
 */
class NativeElfTest {
    private static final Path DIR = Path.of("src/test/resources/attach").toAbsolutePath();
    private static final Path TARGET = DIR.resolve("target");

    private static List<String[]> expected(String kind) throws IOException {
        List<String[]> out = new ArrayList<>();
        for (String line : Files.readAllLines(DIR.resolve("target.expected"))) {
            String[] f = line.split(" ", 7);
            if (f[0].equals(kind)) {
                out.add(f);
            }
        }
        assertTrue(!out.isEmpty(), "no '" + kind + "' lines in target.expected");
        return out;
    }

    private static long hex(String s) {
        return Long.parseUnsignedLong(s.replaceFirst("^0x", ""), 16);
    }

    @Test
    void segmentsAndSymbolsAgreeWithBinutils() throws IOException {
        NativeElf elf = NativeElf.read(TARGET);
        List<String[]> loads = expected("load");
        assertEquals(loads.size(), elf.segments().size());
        for (int i = 0; i < loads.size(); i++) {
            NativeElf.Segment s = elf.segments().get(i);
            assertEquals(hex(loads.get(i)[1]), s.offset());
            assertEquals(hex(loads.get(i)[2]), s.vaddr());
            assertEquals(hex(loads.get(i)[3]), s.fileSize());
        }
        for (String[] sym : expected("symbol")) {
            assertEquals(hex(sym[2]), elf.symbol(sym[1]).orElseThrow().value(), sym[1]);
        }
    }

    @Test
    void uprobeTargetIsTheFileOffsetOfTheSymbol() throws IOException {
        NativeElf elf = NativeElf.read(TARGET);
        for (String[] sym : expected("symbol")) {
            if (!sym[1].equals("bpf4j_add")) {
                continue;
            }
            long vaddr = hex(sym[2]);
            NativeElf.Segment text = elf.segments().stream().filter(s -> vaddr >= s.vaddr()
                    && vaddr < s.vaddr() + s.fileSize()).findFirst().orElseThrow();
            UprobeTarget t = UprobeTarget.ofSymbol(TARGET.toString(), "bpf4j_add", 0);
            assertEquals(vaddr - text.vaddr() + text.offset(), t.offset());
            assertEquals(TARGET, t.path());
        }
        Bpf4jException e = assertThrows(Bpf4jException.class, () -> UprobeTarget.ofSymbol(TARGET.toString(),
                "no_such_function", 0));
        assertTrue(e.getMessage().contains("no symbol 'no_such_function'"), e.getMessage());
    }

    @Test
    void usdtNotesAgreeWithReadelf() throws IOException {
        NativeElf elf = NativeElf.read(TARGET);
        List<UsdtProbe> probes = UsdtProbe.read(TARGET);
        List<String[]> notes = expected("usdt");
        assertEquals(notes.size(), probes.size());
        for (int i = 0; i < notes.size(); i++) {
            String[] n = notes.get(i);
            UsdtProbe p = probes.get(i);
            assertEquals(n[1], p.provider());
            assertEquals(n[2], p.name());
            long base = elf.section(".stapsdt.base").orElseThrow().address();
            long location = hex(n[3]) + base - hex(n[4]);
            assertEquals(location, p.address());
            assertEquals(elf.fileOffset(location), p.offset());
            assertEquals(elf.fileOffset(hex(n[5])), p.semaphoreOffset());
            assertEquals(n[6], p.argumentText());
            assertEquals(n[6].split(" ").length, p.arguments().size());
        }
    }

    @Test
    void somethingThatIsNotElfIsRefusedWithItsName() {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> NativeElf.parse(new byte[100], "junk.bin"));
        assertEquals("junk.bin: not an ELF file", e.getMessage());
    }

    @Test
    void aSharedLibraryIsFoundByName() {
        Path libc = UprobeTarget.locate("libc.so.6");
        UprobeTarget t = UprobeTarget.ofSymbol("libc.so.6", "getpid", 0);
        assertEquals(libc, t.path());
        assertTrue(t.offset() > 0);
    }
}
