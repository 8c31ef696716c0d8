package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Verifier logs at levels 1 and 2 against golden files ({@code src/test/resources/log-golden}, see
 * its README for how they compare with Linux's). {@code -Dbpf4j.updateGolden=true} rewrites them.
 */
class LogGoldenTest {
    private static final Path DIR = Path.of("src/test/resources/log-golden");

    @TestFactory
    Stream<DynamicTest> logs() throws IOException {
        List<Path> sources;
        try (Stream<Path> s = Files.list(DIR)) {
            sources = s.filter(p -> p.toString().endsWith(".s")).sorted().toList();
        }
        assertTrue(sources.size() >= 3, "golden programs: " + sources);
        return sources.stream().flatMap(src -> Stream.of(1, 2).map(level -> DynamicTest.dynamicTest(
                src.getFileName() + " level " + level, () -> check(src, level))));
    }

    private static void check(Path src, int level) throws IOException {
        String name = src.getFileName().toString().replaceFirst("\\.s$", "");
        VerifierInput in = new VerifierInput(name, Assembler.assemble(Files.readString(src), name + ".s", 1),
                ProgramType.SOCKET_FILTER, List.of(), true);
        String log = Verifier.verify(in, VerifierOptions.defaults().withLogLevel(level)).log();
        Path golden = DIR.resolve(name + ".level" + level + ".golden");
        if (Boolean.getBoolean("bpf4j.updateGolden")) {
            Files.writeString(golden, log);
        }
        assertEquals(Files.readString(golden), log, golden.toString());
    }
}
