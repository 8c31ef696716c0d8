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
 * parser's last-resort "cannot be read" wrapping of an internal error. Bounded by
 * {@code -Dbpf4j.fuzz.seconds} (shared with the other fuzz tests); a failure prints the seed.
 */
class ObjectFuzzTest {

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
        long seconds = Long.getLong("bpf4j.fuzz.seconds", 20);
        long deadline = System.nanoTime() + Math.max(1, seconds / 2) * 1_000_000_000L;
        long seed = System.nanoTime();
        SplittableRandom random = new SplittableRandom(seed);
        int runs = 0;
        int parsed = 0;
        int refused = 0;
        while (System.nanoTime() < deadline || runs < 200) {
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
                assertFalse(e.getMessage().contains("cannot be read ("), "seed " + seed + ", " + how
                        + ": internal error " + e.getMessage());
                if (!e.getMessage().startsWith("fuzz.o: ")) {
                    fail("seed " + seed + ", " + how + ": message does not name the file: " + e.getMessage());
                }
            } catch (RuntimeException | Error e) {
                throw new AssertionError("seed " + seed + ", " + how + ": " + e, e);
            }
            runs++;
        }
        System.out.println("object fuzz: " + runs + " mutated objects, " + parsed + " parsed, " + refused
                + " refused (seed " + seed + ")");
    }
}
