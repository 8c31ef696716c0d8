package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.isa.DataFile;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Replays the saved differential reproducers ({@code src/test/resources/jit-reproducers/*.data},
 * written by {@link JitFuzzTest} and by hand): each must give identical outcomes on the
 * interpreter and the JIT (whole and split into chunks) in a {@link FuzzWorld}; a file with a {@code -- type}
 * section is a packet program ({@link PacketFuzzTest}: {@code -- mem} is the packet, {@code -- ctx}
 * the context), compared as {@link Differential#comparePacket} compares it. A file's {@code -- budget} section sets the
 * instruction budget (default {@link FuzzWorld#BUDGET}); without {@code -- mem} the memory is empty.
 */
class JitReproducerTest {
    @TestFactory
    Stream<DynamicTest> reproducersAgree() throws IOException, URISyntaxException {
        Path dir = Path.of(JitReproducerTest.class.getResource("/jit-reproducers").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), "the reproducers are present");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> {
            DataFile data = DataFile.read(f);
            long budget = data.section("budget").map(s -> Long.parseLong(s.strip())).orElse(FuzzWorld.BUDGET);
            try (FuzzWorld world = new FuzzWorld()) {
                var packet = PacketFuzzTest.replay(world, data, budget);
                if (packet.isPresent()) {
                    Differential.PacketResult r = packet.get();
                    assertTrue(r.agrees(), () -> f.getFileName() + ":\n" + r.describe());
                    assertTrue(!r.verified() || !r.interpreter().end().startsWith("trap"),
                            () -> f.getFileName() + ": accepted by the verifier, yet did not return:\n" + r.describe());
                    return;
                }
                for (Jit jit : new Jit[] {Differential.JIT, Differential.SPLITTING_JIT}) {
                    Differential.Result r = Differential.compare(world, data.code(),
                            data.memory().orElse(new byte[0]), budget, jit);
                    assertTrue(r.agrees(), () -> f.getFileName() + " (method limit " + jit.methodLimit() + "):\n"
                            + r.describe());
                }
            }
        }));
    }
}
