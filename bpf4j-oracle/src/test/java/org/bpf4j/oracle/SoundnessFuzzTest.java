package org.bpf4j.oracle;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Soundness of bpf4j's verifier against the VM, without a kernel: generated programs, half of them
 * with a hazard inserted (reject mode), are verified; every program the verifier accepts runs on
 * the interpreter and must end without a trap (memory, alignment, call depth, budget). A verifier
 * that accepts a program calling a helper the VM does not implement is printed, not failed: that
 * is a missing helper, not a safety hole. {@code -Dbpf4j.oracle.seed} picks another seed
 * (default: a new one per run, printed).
 */
class SoundnessFuzzTest {
    private static final int PROGRAMS = 1500;

    @Test
    void whatTheVerifierAcceptsNeverTraps() {
        long seed = Long.getLong("bpf4j.oracle.seed", System.nanoTime());
        Campaign.Report r;
        try (Campaign c = new Campaign(new Campaign.Options(seed, 0, PROGRAMS, 50, false, false, false, Optional.empty()))) {
            r = c.run(s -> {});
        }
        System.out.println("[oracle] soundness fuzz, seed " + seed + ":\n" + r.summary());
        List<Campaign.Finding> bad = r.findings().stream()
                .filter(f -> !f.kind().equals("vm-refused")).toList();
        assertTrue(bad.isEmpty(), () -> bad.size() + " soundness findings (seed " + seed + "):\n" + String.join("\n\n",
                bad.stream().map(f -> f.kind() + " " + f.program().id() + " " + f.program().hazard() + "\n" + f.detail()
                        + "\n" + org.bpf4j.isa.Disassembler.toAssembly(f.program().code())).toList()));
        assertTrue(r.soundnessRuns() >= PROGRAMS / 2, () -> "only " + r.soundnessRuns() + " accepted programs ran");
    }
}
