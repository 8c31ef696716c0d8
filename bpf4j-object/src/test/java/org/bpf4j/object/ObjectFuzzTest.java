package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;

/**
 * Truncations and random byte flips of valid objects give either a spec or a
 * {@link MalformedInputException} naming the file, never another exception, and never the
 * parser's last-resort "cannot be read" wrapping of an internal error.
 *
 * <p>Deterministic by default: {@value #OBJECTS} mutants of seed {@value #SEED}. The fuzz tests'
 * properties (see {@code org.bpf4j.vm.Fuzzing} in bpf4j-vm's tests) explore further:
 * {@code -Dbpf4j.fuzz.seed=random} (or a number), {@code -Dbpf4j.fuzz.count=N},
 * {@code -Dbpf4j.fuzz.seconds=N} (go on past the count until N seconds have passed). A failure
 * prints the seed and the mutant's number.
 */
class ObjectFuzzTest {
    /** The default seed. */
    static final long SEED = 1;
    /** The mutants of the default build. */
    static final int OBJECTS = 3000;

    private static long property(String name, String value) {
        try {
            return Long.decode(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("-D" + name + "=" + value + ": not a number", e);
        }
    }

    private static List<byte[]> seeds() throws IOException {
        List<byte[]> out = new ArrayList<>();
        for (String r : TestObjects.NAMES) {
            out.add(TestObjects.bytes(r));
        }
        Path samples = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus", "ebpf-samples");
        for (String f : List.of("build/bpf2bpf.o", "build/prog_array.o", "build/map_in_map.o",
                "build/global_variable.o", "cilium-examples/tcprtt_bpf_bpfel.o", "linux/test_map_in_map_kern.o",
                "cilium/bpf_lb.o", "linux/sockex3_kern.o")) {
            Path p = samples.resolve(f);
            if (Files.isRegularFile(p)) {
                out.add(Files.readAllBytes(p));
            }
        }
        return out;
    }

    @Test
    void mutatedObjectsGiveSpecOrClearError() throws IOException {
        List<byte[]> seeds = seeds();
        String s = System.getProperty("bpf4j.fuzz.seed", "").strip();
        long seed = s.isEmpty() ? SEED : s.equals("random") ? new SplittableRandom().nextLong()
                : property("bpf4j.fuzz.seed", s);
        String c = System.getProperty("bpf4j.fuzz.count", "").strip();
        long count = c.isEmpty() ? OBJECTS : property("bpf4j.fuzz.count", c);
        String t = System.getProperty("bpf4j.fuzz.seconds", "").strip();
        long deadline = System.nanoTime() + (t.isEmpty() ? 0 : property("bpf4j.fuzz.seconds", t)) * 1_000_000_000L;
        SplittableRandom random = new SplittableRandom(seed);
        int runs = 0;
        int parsed = 0;
        int refused = 0;
        while (runs < count || System.nanoTime() < deadline) {
            byte[] base = seeds.get(random.nextInt(seeds.size()));
            byte[] bytes;
            String how;
            if (random.nextInt(4) == 0) {
                int len = random.nextInt(base.length);
                bytes = java.util.Arrays.copyOf(base, len);
                how = "truncated to " + len;
            } else {
                bytes = base.clone();
                int flips = 1 + random.nextInt(8);
                StringBuilder sb = new StringBuilder("flipped");
                for (int i = 0; i < flips; i++) {
                    int at = random.nextInt(bytes.length);
                    bytes[at] = (byte) (random.nextBoolean() ? random.nextInt(256) : bytes[at] ^ (1 << random.nextInt(8)));
                    sb.append(' ').append(at);
                }
                how = sb.toString();
            }
            try {
                ObjectFile.parse(bytes, "fuzz.o");
                parsed++;
            } catch (MalformedInputException e) {
                refused++;
                assertFalse(e.getMessage().contains("cannot be read ("), "seed " + seed + ", mutant " + runs + ", " + how
                        + ": internal error " + e.getMessage());
                if (!e.getMessage().startsWith("fuzz.o: ")) {
                    fail("seed " + seed + ", mutant " + runs + ", " + how + ": message does not name the file: " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + ", mutant " + runs + ", " + how + ": " + e, e);
            }
            runs++;
        }
        System.out.println("object fuzz: " + runs + " mutated objects, " + parsed + " parsed, " + refused
                + " refused (seed " + seed + ")");
    }
}
