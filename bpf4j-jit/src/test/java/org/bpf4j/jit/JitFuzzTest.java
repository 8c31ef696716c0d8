package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Fuzzing;
import org.junit.jupiter.api.Test;

/**
 * Differential fuzzing: random programs from {@link ProgramGenerator} run on the interpreter and
 * on the JIT in the same {@link FuzzWorld} (every other program with functions split into
 * chunks, so that the chunked code of large functions is fuzzed too); results, traps (kind, slot, message), budget used,
 * memory, stack frames, maps and helper logs must be identical. A mismatch is written as a
 * {@code .data} reproducer to {@code target/jit-fuzz-reproducers}; move it to
 * {@code src/test/resources/jit-reproducers} once fixed, and {@link JitReproducerTest} replays it
 * in every build.
 *
 * <p>Deterministic by default: {@value #PROGRAMS} programs of seed {@value #SEED}, so every
 * machine runs the same programs (about 20 s on a loaded 2-core machine). Campaigns:
 * {@code -Dbpf4j.fuzz.seed=random} (or a number), {@code -Dbpf4j.fuzz.count=N},
 * {@code -Dbpf4j.fuzz.seconds=N} ({@link org.bpf4j.vm.Fuzzing}); the seed, the count and the
 * options that replay the run are printed.
 */
class JitFuzzTest {
    /** The default seed. */
    static final long SEED = 1;
    /** The programs of the default build. */
    static final int PROGRAMS = 4000;

    @Test
    void jitAgreesWithTheInterpreter() {
        Fuzzing fuzz = Fuzzing.of(SEED, PROGRAMS);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        int programs = 0;
        int refused = 0;
        TreeMap<String, Integer> endings = new TreeMap<>();
        List<String> mismatches = new ArrayList<>();
        Path dir = Path.of("target", "jit-fuzz-reproducers");
        try (FuzzWorld world = new FuzzWorld()) {
            while (fuzz.more(programs) && mismatches.size() < 5) {
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
                    throw new AssertionError("program " + programs + " (" + fuzz.replay(programs) + ") broke the harness; "
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
                + " refused at load, first runs ended " + endings + ", " + mismatches.size() + " mismatches; replay: "
                + fuzz.replay(programs));
        if (!mismatches.isEmpty()) {
            fail(mismatches.size() + " mismatches between the interpreter and the JIT (seed " + seed + "):\n"
                    + String.join("\n\n", mismatches));
        }
        assertTrue(endings.getOrDefault("returned", 0) > 0 && endings.getOrDefault("trap BUDGET", 0) > 0
                        && endings.getOrDefault("trap MEMORY", 0) > 0,
                "the generator must reach returns, budget traps and memory traps: " + endings);
    }
}
