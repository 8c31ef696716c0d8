package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.isa.DataFile;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The benchmark programs of {@code ../shared/bench} verify with their input memory in R1
 * ({@link VerifierInput#withEntryMemory(int)}), and the checksum loop's byte load is proved
 * inside the 1,500 bytes, and each loop's unsigned exit test has the signed one's outcome: the facts
 * the JIT uses for them. Also counts how many programs of the
 * shared conformance suite verify this way (most do; the others do what the kernel's verifier
 * refuses, such as reading uninitialised registers or dividing with 32-bit pointers).
 */
class BenchFactsTest {
    private static Path shared(String name) {
        return Path.of(System.getProperty("bpf4j.shared", "../shared"), name);
    }

    private static VerificationResult verify(Path f) {
        DataFile d = DataFile.read(f);
        String name = f.getFileName().toString();
        VerifierInput in = new VerifierInput(name, d.code(), ProgramType.SOCKET_FILTER, List.of(), true)
                .withEntryMemory(d.memory().map(m -> m.length).orElse(0));
        return Verifier.verify(in);
    }

    @Test
    void benchProgramsVerifyWithTheirMemory() {
        Path dir = shared("bench");
        Assumptions.assumeTrue(Files.isDirectory(dir), "SKIPPED: ../shared/bench is absent (" + dir.toAbsolutePath() + ")");
        for (String p : List.of("bench_empty", "bench_sum_loop", "bench_checksum", "bench_mix64")) {
            VerificationResult r = verify(dir.resolve(p + ".data"));
            assertTrue(r.accepted(), p + ": " + r);
            if (!p.equals("bench_empty")) {
                // the loop's exit test compares unsigned a counter and a bound that are never negative
                DataFile d = DataFile.read(dir.resolve(p + ".data"));
                AccessFacts facts = ((VerificationResult.Accepted) r).facts();
                int jumps = 0;
                for (int s = 0; s < d.code().slotCount(); s++) {
                    if (d.code().atSlot(s) instanceof Instruction.Jump) {
                        jumps++;
                        assertTrue(facts.signedCompare(s), p + " slot " + s);
                    }
                }
                assertEquals(1, jumps, p);
                assertEquals(1, facts.signedCompareCount(), p);
            }
            if (p.equals("bench_checksum")) {
                DataFile d = DataFile.read(dir.resolve(p + ".data"));
                int load = -1;
                for (int s = 0; s < d.code().slotCount(); s++) {
                    if (d.code().atSlot(s) instanceof Instruction.Load) {
                        load = s;
                    }
                }
                AccessFacts facts = ((VerificationResult.Accepted) r).facts();
                assertEquals("input off=0..1499 proved", facts.at(load).orElseThrow().toString(), p + " slot " + load);
                assertEquals(1, facts.count(), p + ": one memory instruction");
            }
        }
    }

    @Test
    void conformanceSuiteWithEntryMemory() throws IOException {
        Path dir = shared("conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir), "SKIPPED: ../shared/conformance is absent");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".data")).sorted().toList();
        }
        int accepted = 0;
        int withFacts = 0;
        int withCompares = 0;
        for (Path f : files) {
            VerificationResult r = verify(f);
            if (r instanceof VerificationResult.Accepted a) {
                accepted++;
                withFacts += a.facts().count() > 0 ? 1 : 0;
                withCompares += a.facts().signedCompareCount() > 0 ? 1 : 0;
                // every fact is about a memory instruction of the program
                for (int s = 0; s < a.facts().slotCount(); s++) {
                    if (a.facts().at(s).isPresent()) {
                        Instruction i = DataFile.read(f).code().atSlot(s);
                        assertTrue(i instanceof Instruction.Load || i instanceof Instruction.Store
                                || i instanceof Instruction.Atomic, f.getFileName() + " slot " + s + ": " + i);
                    }
                }
            }
        }
        System.out.println("conformance programs verified with entry memory: " + accepted + " of " + files.size()
                + " accepted, " + withFacts + " with memory facts, " + withCompares + " with signed comparisons");
        assertTrue(accepted > 0, "some conformance programs verify");
    }
}
