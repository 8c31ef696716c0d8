package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.bpf4j.isa.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Differential fuzzing: random programs from {@link ProgramGenerator} run on the interpreter and
 * on the JIT in the same {@link FuzzWorld} (every other program with functions split into
 * chunks, so that the chunked code of large functions is fuzzed too); results, traps (kind, slot, message), budget used,
 * memory, stack frames, maps and helper logs must be identical. A mismatch is written as a
 * {@code .data} reproducer to {@code target/jit-fuzz-reproducers}; move it to
 * {@code src/test/resources/jit-reproducers} once fixed, and {@link JitReproducerTest} replays it
 * in every build.
 *
 * <p>Bounded in time by {@code -Dbpf4j.fuzz.seconds} (default 20); the seed is printed, and fixed
 * by {@code -Dbpf4j.fuzz.seed} to replay a run.
 */
class JitFuzzTest {
    private final long seconds = Long.getLong("bpf4j.fuzz.seconds", 20);
    private final long seed = Long.getLong("bpf4j.fuzz.seed", System.nanoTime());
    /** The fewest programs that must run (not refused at load), however long they take. */
    private static final int MIN_PROGRAMS = 200;

    @Test
    @Timeout(value = 900, unit = TimeUnit.SECONDS)
    void jitAgreesWithTheInterpreter() {
        SplittableRandom rnd = new SplittableRandom(seed);
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(Math.max(1, seconds));
        int programs = 0;
        int refused = 0;
        TreeMap<String, Integer> endings = new TreeMap<>();
        List<String> mismatches = new ArrayList<>();
        Path dir = Path.of("target", "jit-fuzz-reproducers");
        try (FuzzWorld world = new FuzzWorld()) {
            // At least MIN_PROGRAMS run whatever the time: a loaded machine makes the run longer, never weaker.
            while ((programs - refused < MIN_PROGRAMS || System.nanoTime() < end) && mismatches.size() < 5) {
                Code code = new ProgramGenerator(rnd).generate();
                byte[] memory = new byte[64];
                rnd.nextBytes(memory);
                programs++;
                Differential.Result r;
                try {
                    r = Differential.compare(world, code, memory, FuzzWorld.BUDGET,
                            programs % 2 == 0 ? Differential.JIT : Differential.SPLITTING_JIT);
                } catch (RuntimeException | Error e) {
                    Path file = Differential.save(dir, "crash-" + seed + "-" + programs, "harness failure: " + e,
                            code, memory, FuzzWorld.BUDGET);
                    throw new AssertionError("program " + programs + " (seed " + seed + ") broke the harness; "
                            + "reproducer " + file.toAbsolutePath(), e);
                }
                if (r.refused()) {
                    refused++;
                    continue;
                }
                String first = r.interpreter().end();
                String[] words = first.split(" ");
                endings.merge(first.startsWith("r0") ? "returned" : words[0] + " " + words[1], 1, Integer::sum);
                if (!r.agrees()) {
                    Path file = Differential.save(dir, "mismatch-" + seed + "-" + programs,
                            "differential fuzz mismatch (seed " + seed + ", program " + programs + ")\n"
                                    + r.describe(), code, memory, FuzzWorld.BUDGET);
                    mismatches.add(file.toAbsolutePath() + "\n" + r.describe());
                }
            }
        }
        System.out.println("[jit-fuzz] seed " + seed + ": " + programs + " programs, " + refused
                + " refused at load, first runs ended " + endings + ", " + mismatches.size() + " mismatches");
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " mismatches between the interpreter and the JIT (seed " + seed + "):\n"
                    + String.join("\n\n", mismatches));
        }
        assertTrue(endings.getOrDefault("returned", 0) > 0 && endings.getOrDefault("trap BUDGET", 0) > 0
                        && endings.getOrDefault("trap MEMORY", 0) > 0,
                "the generator must reach returns, budget traps and memory traps: " + endings);
    }
}
