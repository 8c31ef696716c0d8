package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
 * Every file under {@code ebpf-samples/invalid/} is refused with a {@link MalformedInputException}
 * whose message names the file and the fault, and nothing else escapes; the messages are printed
 * so that they can be read. The exceptions are the well-formed files listed with their reasons in
 * {@code invalid-well-formed.tsv}: they parse, with the programs of the kernel loader's table.
 */
class InvalidObjectsTest {

    @TestFactory
    Stream<DynamicTest> invalidObjects() throws IOException {
        Path dir = Corpus.samples().resolve("invalid");
        Map<String, String> wellFormed = Corpus.exclusions("invalid-well-formed.tsv");
        Map<String, List<Corpus.Row>> rows = Corpus.rows();
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(Files::isRegularFile).sorted().toList();
        }
        assertFalse(files.isEmpty());
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            String object = "invalid/" + f.getFileName();
            String name = f.getFileName().toString();
            byte[] bytes = Files.readAllBytes(f);
            String reason = wellFormed.get(object);
            if (reason != null) {
                ObjectSpec spec = ObjectFile.parse(bytes, name);
                Set<String> expected = new TreeSet<>();
                for (Corpus.Row r : rows.getOrDefault(object, List.of())) {
                    expected.add(r.section() + " " + r.function());
                }
                Set<String> actual = new TreeSet<>();
                spec.programs().forEach(p -> actual.add(p.sectionName() + " " + p.name()));
                assertEquals(expected, actual, object);
                System.out.println(object + ": parses (well-formed: " + reason + ")");
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
}
