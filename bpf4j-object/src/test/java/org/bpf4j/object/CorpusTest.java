package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The shared corpus of real objects against the kernel's loader ({@code ebpf-samples-verdicts.tsv}).
 *
 * <ul>
 * <li>Every object with a row the loader got past (verdict {@code accepted}, {@code rejected} or
 *     {@code kernel_refused}) parses, with the same (section, function) pairs as the table and,
 *     for each program, {@code insns} equal to {@link ProgramSpec#ownSlots()}: the column counts the
 *     program's own instructions in kernel slots ({@code lddw} twice), before any {@code .text}
 *     subprogram is appended (checked on {@code build/bpf2bpf.o}, whose program calls a subprogram,
 *     and on the cilium objects, whose sizes equal their symbols' sizes / 8). A function of
 *     {@code -} in the table (no symbol) is a program named after its section.
 * <li>For libbpf objects, the program type and expected attach type the section name gives equal
 *     the table's wherever a libbpf convention matches the name; for other names ({@code .text},
 *     {@code tc/tail}, {@code xdp_prog}, {@code test}) the table's loader guessed, as the corpus
 *     README says, and the spec leaves the type empty.
 * <li>A program the loader refused for an unresolved external function (falco's {@code memset})
 *     parses, and {@link ProgramSpec#requireLinked()} refuses it naming the symbol; every other
 *     program links.
 * <li>An object with only {@code loader_error} rows either parses or is refused with a
 *     {@link MalformedInputException}; which one, and the message, is printed.
 * <li>Exclusions are in {@code corpus-exclusions.tsv}, each with its reason.
 * </ul>
 * The files under {@code invalid/} are checked by {@link InvalidObjectsTest}.
 */
class CorpusTest {
    private static final Map<String, String> SUMMARY = new TreeMap<>();
    private static int objectsParsed;
    private static int programsMatched;
    private static int linkRefusals;
    private static int typesMatched;
    private static int typesGuessed;

    @TestFactory
    Stream<DynamicTest> corpus() {
        Path samples = Corpus.samples();
        Map<String, String> excluded = Corpus.exclusions("corpus-exclusions.tsv");
        List<DynamicTest> tests = new ArrayList<>();
        Corpus.rows().forEach((object, rows) -> {
            if (object.startsWith("invalid/")) {
                return;
            }
            tests.add(DynamicTest.dynamicTest(object, () -> check(samples.resolve(object), object, rows,
                    excluded.get(object))));
        });
        return tests.stream();
    }

    private static void check(Path file, String object, List<Corpus.Row> rows, String exclusion) throws IOException {
        boolean loaded = rows.stream().anyMatch(r -> !r.verdict().equals("loader_error"));
        byte[] bytes = Files.readAllBytes(file);
        ObjectSpec spec;
        try {
            spec = ObjectFile.parse(bytes, file.getFileName().toString());
        } catch (MalformedInputException e) {
            String line = "refused: " + e.getMessage();
            SUMMARY.put(object, line);
            System.out.println(object + ": " + line);
            if (exclusion != null) {
                System.out.println("  excluded: " + exclusion);
                return;
            }
            if (loaded) {
                fail(object + " was loaded by the kernel's loader but is refused: " + e.getMessage());
            }
            assertFalse(e.getMessage().contains("cannot be read ("), "internal error: " + e.getMessage());
            return;
        }
        objectsParsed++;
        assertEquals(spec, ObjectFile.parse(bytes, file.getFileName().toString()), "parsing twice gives equal specs");
        Set<String> expected = new TreeSet<>();
        for (Corpus.Row r : rows) {
            if (!r.section().equals("-")) {
                expected.add(r.section() + " " + (r.function().equals("-") ? r.section() : r.function()));
            }
        }
        Set<String> actual = new TreeSet<>();
        for (ProgramSpec p : spec.programs()) {
            actual.add(p.sectionName() + " " + p.name());
        }
        String line = "parsed: " + spec.programs().size() + " programs, " + spec.maps().size() + " maps"
                + (loaded ? "" : " (the kernel's loader refused it: " + rows.get(0).error() + ")");
        SUMMARY.put(object, line);
        System.out.println(object + ": " + line);
        if (!loaded) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("failed to find BTF for extern '([^']+)'")
                    .matcher(rows.get(0).error());
            if (m.find()) {
                // libbpf refuses the object at open; here its programs parse and refuse to link.
                String symbol = m.group(1);
                assertTrue(spec.programs().stream().anyMatch(p -> {
                    try {
                        p.requireLinked();
                        return false;
                    } catch (UnresolvedSymbolException e) {
                        return e.symbol().equals(symbol);
                    }
                }), object + ": a program must refuse to link for '" + symbol + "'");
                linkRefusals++;
            }
            return;
        }
        if (exclusion != null) {
            System.out.println("  excluded: " + exclusion);
            return;
        }
        assertEquals(expected, actual, object + ": (section, function) pairs");
        for (Corpus.Row r : rows) {
            String fn = r.function().equals("-") ? r.section() : r.function();
            ProgramSpec p = spec.programs().stream()
                    .filter(q -> q.sectionName().equals(r.section()) && q.name().equals(fn)).findFirst().orElseThrow();
            assertEquals(r.insns(), p.ownSlots(), object + ": instructions of " + r.section() + "/" + fn);
            if (r.error().startsWith("unresolved external function '")) {
                String symbol = r.error().split("'")[1];
                UnresolvedSymbolException e = assertThrows(UnresolvedSymbolException.class, p::requireLinked,
                        object + ": " + fn + " must not link");
                assertEquals(symbol, e.symbol());
                linkRefusals++;
            } else {
                p.requireLinked();
            }
            assertTrue(p.code().slotCount() >= p.ownSlots());
            if (r.loader().equals("libbpf") && p.sectionDef().isEmpty()) {
                typesGuessed++; // the table's loader guessed a type for a name no convention matches
            } else if (r.loader().equals("libbpf") && !r.verdict().equals("loader_error")) {
                assertEquals(r.progType(), p.programType().map(org.bpf4j.spec.ProgramType::kernelName).orElse("-"),
                        object + ": program type of " + r.section());
                assertEquals(r.attachType(), p.expectedAttachType().map(org.bpf4j.spec.AttachType::kernelName)
                        .orElse("-"), object + ": expected attach type of " + r.section());
                typesMatched++;
            }
            programsMatched++;
        }
    }

    @AfterAll
    static void summary() {
        System.out.println("corpus: " + objectsParsed + " objects parsed, " + programsMatched
                + " programs matched the kernel loader's table, " + linkRefusals
                + " refused at link time for an undefined symbol as the loader refused them; program and attach types"
                + " of " + typesMatched + " libbpf programs equal the table's (" + typesGuessed
                + " have section names no libbpf convention matches)");
    }
}
