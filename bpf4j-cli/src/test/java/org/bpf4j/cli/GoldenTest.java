package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Golden outputs of the command ({@code src/test/resources/golden/*.golden}): each file gives the
 * arguments ({@code -- args}, one per line, run from the module directory), the exit status
 * ({@code -- status}) and what standard output ({@code -- stdout}) and standard error
 * ({@code -- stderr}) must be exactly. Set {@code -Dbpf4j.golden.update=true} to rewrite them from
 * the current output (then review the diff).
 */
class GoldenTest {
    @TestFactory
    Stream<DynamicTest> golden() throws Exception {
        Path dir = Path.of(GoldenTest.class.getResource("/golden").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".golden")).sorted().toList();
        }
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    static Map<String, String> sections(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        StringBuilder sb = new StringBuilder();
        String body = text.endsWith("\n") ? text.substring(0, text.length() - 1) : text;
        for (String line : body.split("\n", -1)) {
            if (line.startsWith("-- ")) {
                if (current != null) {
                    out.put(current, sb.toString());
                }
                current = line.substring(3).strip();
                sb.setLength(0);
            } else if (current != null) {
                sb.append(line).append('\n');
            }
        }
        if (current != null) {
            out.put(current, sb.toString());
        }
        return out;
    }

    private static void check(Path file) throws IOException {
        String text = Files.readString(file);
        Map<String, String> s = sections(text);
        List<String> args = new ArrayList<>();
        for (String a : s.get("args").split("\n")) {
            if (!a.isBlank()) {
                args.add(a.strip());
            }
        }
        for (String a : args) {
            if (a.startsWith("../")) {
                assumeTrue(Files.exists(Path.of(a)), a + " is not in this checkout");
            }
        }
        Cli r = Cli.run(args.toArray(String[]::new));
        if (Boolean.getBoolean("bpf4j.golden.update")) {
            String header = text.substring(0, text.indexOf("-- args"));
            Files.writeString(file.toAbsolutePath().toString().contains("target") ? source(file) : file,
                    header + "-- args\n" + s.get("args") + "-- status\n" + r.status() + "\n-- stdout\n" + r.out()
                            + "-- stderr\n" + r.err());
            return;
        }
        assertEquals(s.get("stdout"), r.out(), "stdout of " + String.join(" ", args));
        assertEquals(s.get("stderr"), r.err(), "stderr of " + String.join(" ", args));
        assertEquals(Integer.parseInt(s.get("status").strip()), r.status(), "exit status");
    }

    private static Path source(Path inTarget) {
        return Path.of("src/test/resources/golden").resolve(inTarget.getFileName());
    }
}
