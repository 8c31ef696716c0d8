package org.bpf4j.verifier.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.stream.Stream;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Verifies every program listed in {@code objects/verdicts.tsv} (real objects compiled from C:
 * kfuncs, iterators, dynptrs, timers, spin locks) through {@link ObjectInputs}, as
 * {@code bpf4j verify} does, and compares the verdict and the rejection message.
 */
class ObjectVerdictsTest {
    @TestFactory
    Stream<DynamicTest> verdicts() {
        return ObjectVerdicts.all().stream().map(v -> DynamicTest.dynamicTest(v.object() + " " + v.program(), () -> {
            ObjectSpec obj = ObjectFile.read(ObjectVerdicts.DIR.resolve(v.object()));
            ProgramSpec linked = obj.linkedProgram(v.program());
            ProgramType type = linked.programType().orElseThrow();
            VerificationResult r = Verifier.verify(ObjectInputs.input(obj, linked, type));
            String got = switch (r) {
                case VerificationResult.Accepted a -> "accepted";
                case VerificationResult.Rejected x -> "rejected at " + x.slot() + ": " + x.message();
            };
            assertEquals(v.accept(), r.accepted(), "verdicts.tsv:" + v.line() + " " + v.program() + ": " + got);
            if (!v.accept()) {
                assertTrue(got.contains(v.message()), "verdicts.tsv:" + v.line() + " " + v.program() + ": " + got
                        + " does not contain '" + v.message() + "'");
            }
        }));
    }
}
