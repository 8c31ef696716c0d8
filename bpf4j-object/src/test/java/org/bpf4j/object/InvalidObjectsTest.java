package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The files under {@code ebpf-samples/invalid/}, against the kernel loader's table.
 *
 * <ul>
 * <li>A file the kernel's loader got past (a row {@code accepted} or {@code rejected}) parses as
 *     libbpf would parse it, with the table's (section, function) pairs (a function of {@code -} is
 *     a program named after its section). It is listed with the reason in
 *     {@code invalid-parsed.tsv}, and that list must equal the set of such files. For each row:
 *     {@code accepted} loads ({@link ProgramSpec#requireLinked()}), {@code loader_error} is refused
 *     at load with a message, {@code rejected} is printed with what the loader says.
 * <li>Every other file is refused with a {@link MalformedInputException} whose message names the
 *     file and the fault, and nothing else escapes.
 * </ul>
 * Every message, warning and defect is printed so that it can be read.
 */
class InvalidObjectsTest {

    @TestFactory
    Stream<DynamicTest> invalidObjects() throws IOException {
        Path dir = Corpus.samples().resolve("invalid");
        Map<String, String> parsed = Corpus.exclusions("invalid-parsed.tsv");
        Map<String, List<Corpus.Row>> rows = Corpus.rows();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertFalse(files.isEmpty());
        Set<String> loaded = new TreeSet<>();
        for (Path f : files) {
            String object = "invalid/" + f.getFileName();
            if (rows.getOrDefault(object, List.of()).stream().anyMatch(r -> !r.verdict().equals("loader_error"))) {
                loaded.add(object);
            }
        }
        assertEquals(loaded, new TreeSet<>(parsed.keySet()),
                "invalid-parsed.tsv must list exactly the files the kernel's loader got past");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String object = "invalid/" + f.getFileName();
            String name = f.getFileName().toString();
            byte[] bytes = Files.readAllBytes(f);
            String reason = parsed.get(object);
            if (reason != null) {
                checkParsed(object, name, bytes, reason, rows.get(object));
                return;
            }
            try {
                ObjectFile.parse(bytes, name);
                fail(object + " parsed, but it is malformed");
            } catch (MalformedInputException e) {
                System.out.println(object + ": " + e.getMessage());
                assertTrue(e.getMessage().startsWith(name + ": "), "the message names the file: " + e.getMessage());
                assertFalse(e.getMessage().contains("cannot be read ("), "internal error: " + e.getMessage());
            }
        }));
    }

    private static void checkParsed(String object, String name, byte[] bytes, String reason, List<Corpus.Row> rows) {
        ObjectSpec spec = ObjectFile.parse(bytes, name);
        assertEquals(spec, ObjectFile.parse(bytes, name), "parsing twice gives equal specs");
        System.out.println(object + ": parses (" + reason + ")");
        spec.warnings().forEach(w -> System.out.println("  warning: " + w));
        Set<String> expected = new TreeSet<>();
        for (Corpus.Row r : rows) {
            expected.add(r.section() + " " + function(r));
        }
        Set<String> actual = new TreeSet<>();
        spec.programs().forEach(p -> actual.add(p.sectionName() + " " + p.name()));
        assertEquals(expected, actual, object + ": (section, function) pairs");
        for (Corpus.Row r : rows) {
            ProgramSpec p = spec.programs().stream()
                    .filter(q -> q.sectionName().equals(r.section()) && q.name().equals(function(r)))
                    .findFirst().orElseThrow();
            assertEquals(r.insns(), p.ownSlots(), object + ": instructions of " + r.section() + "/" + function(r));
            String what = r.section() + "/" + function(r) + " (kernel: " + r.verdict()
                    + (r.error().isEmpty() ? "" : ", '" + r.error() + "'") + ")";
            switch (r.verdict()) {
                case "accepted" -> {
                    spec.linkedProgram(p.name());
                    System.out.println("  " + what + ": loadable");
                }
                case "loader_error" -> {
                    MalformedInputException e = assertThrows(MalformedInputException.class,
                            () -> spec.linkedProgram(p.name()), object + ": " + what + " must be refused at load");
                    assertTrue(e.getMessage().startsWith(name + ": "), e.getMessage());
                    System.out.println("  " + what + ": refused: " + e.getMessage());
                }
                case "rejected" -> System.out.println("  " + what + ": "
                        + p.defect().map(d -> "refused: " + d).orElse("loadable (the verifier's to reject)"));
                default -> fail(object + ": unexpected verdict " + r.verdict());
            }
        }
    }

    private static String function(Corpus.Row r) {
        return r.function().equals("-") ? r.section() : r.function();
    }
}
