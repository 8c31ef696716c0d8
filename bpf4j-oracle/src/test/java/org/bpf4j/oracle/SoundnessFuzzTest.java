package org.bpf4j.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.vm.Fuzzing;
import org.junit.jupiter.api.Test;

/**
 * Soundness of bpf4j's verifier against the VM, without a kernel: generated programs, half of them
 * with a hazard inserted (reject mode), are verified; every program the verifier accepts runs on
 * the interpreter and must end without a trap (memory, alignment, call depth, budget). A verifier
 * that accepts a program calling a helper the VM does not implement is printed, not failed: that
 * is a missing helper, not a safety hole.
 *
 * <p>Deterministic by default: programs 0 to {@value #PROGRAMS} - 1 of seed {@value #SEED}.
 * Campaigns: {@code -Dbpf4j.fuzz.seed=random} (or a number), {@code -Dbpf4j.fuzz.count=N},
 * {@code -Dbpf4j.fuzz.seconds=N} ({@link Fuzzing}: batches of {@value #BATCH} more programs until
 * the time is up); a finding is replayed with {@code OracleMain --seed S --first N --count 1
 * --no-kernel}.
 */
class SoundnessFuzzTest {
    /** The default seed. */
    static final long SEED = 1;
    /** The programs of the default build. */
    static final int PROGRAMS = 1500;
    /** The programs of one campaign, past the count. */
    static final int BATCH = 500;

    @Test
    void whatTheVerifierAcceptsNeverTraps() {
        Fuzzing fuzz = Fuzzing.of(SEED, PROGRAMS);
        long seed = fuzz.seed();
        List<Campaign.Finding> bad = new ArrayList<>();
        long programs = 0;
        long soundnessRuns = 0;
        while (fuzz.more(programs)) {
            int count = programs < fuzz.count() ? (int) Math.min(fuzz.count() - programs, Integer.MAX_VALUE) : BATCH;
            Campaign.Report r;
            try (Campaign c = new Campaign(new Campaign.Options(seed, programs, count, 50, false, false, false,
                    Optional.empty()))) {
                r = c.run(s -> {});
            }
            System.out.println("[oracle] soundness fuzz, seed " + seed + ", programs " + programs + "-"
                    + (programs + count - 1) + ":\n" + r.summary());
            programs += count;
            soundnessRuns += r.soundnessRuns();
            r.findings().stream().filter(f -> !f.kind().equals("vm-refused")).forEach(bad::add);
        }
        long total = programs;
        long runs = soundnessRuns;
        System.out.println("[oracle] soundness fuzz, seed " + seed + ": " + total + " programs, " + runs
                + " soundness runs, " + bad.size() + " findings");
        assertTrue(bad.isEmpty(), () -> bad.size() + " soundness findings (seed " + seed + "):\n" + String.join("\n\n",
                bad.stream().map(f -> f.kind() + " " + f.program().id() + " " + f.program().hazard() + "\n" + f.detail()
                        + "\n" + org.bpf4j.isa.Disassembler.toAssembly(f.program().code())).toList()));
        assertTrue(runs >= total / 2, () -> "only " + runs + " accepted programs ran");
    }
}
