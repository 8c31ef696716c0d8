package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The per-instruction facts of accepted programs against golden listings:
 * {@code src/test/resources/facts-cases/*.txt}. A file holds cases {@code === name}, each with
 * headers ({@code type:}, {@code map:} as in the verifier cases, {@code memory: N} to verify with
 * {@link VerifierInput#withEntryMemory(int)}, {@code processed: N} to pin the processed count so a
 * case that relies on pruning keeps pruning), then {@code facts:} and the expected listing
 * ({@link AccessFacts#toString()}, one indented line per slot), then {@code ---} and the program.
 */
class FactsCaseTest {
    static final Path DIR = Path.of("src/test/resources/facts-cases");

    record FactsCase(String file, int line, String name, VerifierInput input, String facts, int processed) {
    }

    @TestFactory
    Stream<DynamicTest> cases() throws IOException {
        List<FactsCase> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(DIR)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".txt")).sorted().toList()) {
                all.addAll(parse(f.getFileName().toString(), Files.readString(f, StandardCharsets.UTF_8)));
            }
        }
        assertTrue(all.size() >= 10, "facts cases: " + all.size());
        return all.stream().map(c -> DynamicTest.dynamicTest(c.file() + ":" + c.line() + " " + c.name(), () -> run(c)));
    }

    private static void run(FactsCase c) {
        VerificationResult r = Verifier.verify(c.input(), VerifierOptions.defaults());
        String where = c.file() + ":" + c.line() + " '" + c.name() + "'";
        if (!(r instanceof VerificationResult.Accepted a)) {
            VerificationResult.Rejected j = (VerificationResult.Rejected) r;
            fail(where + ": rejected at insn " + j.slot() + ": " + j.message());
            return;
        }
        assertEquals(c.facts(), a.facts().toString(), where + ": facts");
        assertEquals(c.input().code().slotCount(), a.facts().slotCount(), where + ": slot count");
        if (c.processed() >= 0) {
            assertEquals(c.processed(), a.processed(), where + ": processed instructions (pruning changed?)");
        }
    }

    static List<FactsCase> parse(String file, String text) {
        List<FactsCase> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        int i = 0;
        while (i < lines.length) {
            if (!lines[i].startsWith("=== ")) {
                if (!lines[i].isBlank() && !lines[i].startsWith("#")) {
                    throw new IllegalArgumentException(file + ":" + (i + 1) + ": expected '=== name'");
                }
                i++;
                continue;
            }
            String name = lines[i].substring(4).trim();
            int start = i + 1;
            ProgramType type = ProgramType.SOCKET_FILTER;
            List<MapInfo> maps = new ArrayList<>();
            int memory = -1;
            int processed = -1;
            StringBuilder facts = new StringBuilder();
            boolean inFacts = false;
            for (i++; i < lines.length && !lines[i].equals("---"); i++) {
                String h = lines[i];
                if (inFacts && h.startsWith("  ")) {
                    facts.append(h.strip()).append('\n');
                    continue;
                }
                h = h.trim();
                if (h.isEmpty() || h.startsWith("#")) {
                    continue;
                }
                int colon = h.indexOf(':');
                String key = h.substring(0, colon).trim();
                String val = h.substring(colon + 1).trim();
                inFacts = false;
                switch (key) {
                    case "type" -> type = ProgramType.byName(val).orElseThrow();
                    case "map" -> maps.add(VerifierCase.map(val));
                    case "memory" -> memory = Integer.parseInt(val);
                    case "processed" -> processed = Integer.parseInt(val);
                    case "facts" -> inFacts = true;
                    default -> throw new IllegalArgumentException(file + ":" + (i + 1) + ": unknown header " + key);
                }
            }
            int asmLine = i + 2;
            StringBuilder asm = new StringBuilder();
            for (i++; i < lines.length && !lines[i].startsWith("=== "); i++) {
                asm.append(lines[i]).append('\n');
            }
            VerifierInput in = new VerifierInput(name, Assembler.assemble(asm.toString(), file, asmLine), type, maps,
                    true);
            if (memory >= 0) {
                in = in.withEntryMemory(memory);
            }
            out.add(new FactsCase(file, start, name, in, facts.toString(), processed));
        }
        return out;
    }
}
