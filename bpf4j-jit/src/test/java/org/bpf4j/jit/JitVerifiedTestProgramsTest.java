package org.bpf4j.jit;

import java.io.IOException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.objects.ObjectInputs;
import org.bpf4j.vm.VmObject;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.testprogs.TestProgramsTest;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The cases of {@code testprogs/expected/} as {@code bpf4j run FILE.o} runs them by default: the
 * program verified as the VM loads it, then compiled with the verifier's facts (and, in an object
 * without a program array, no instruction budget), compared exactly with the kernel's results.
 * A program the verifier rejects runs on the JIT without facts (the command refuses it unless
 * {@code --no-verify}); the summary says how many ran with facts. Same exclusions as
 * {@link JitTestProgramsTest}: facts must not change any result.
 */
class JitVerifiedTestProgramsTest {
    private static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);

    @TestFactory
    Stream<DynamicNode> runOnJitWithFacts() throws IOException {
        Set<String> withFacts = ConcurrentHashMap.newKeySet();
        Set<String> rejected = ConcurrentHashMap.newKeySet();
        Stream<DynamicNode> cases = TestProgramsTest.runAll("jit with the verifier's facts", (spec, name) -> {
            ProgramSpec p = spec.program(name).orElseThrow();
            ProgramSpec ready = VmObject.loadedForm(spec, p);
            String id = spec.name() + " " + name;
            VerificationResult r = Verifier.verify(ObjectInputs.input(spec, ready,
                    p.programType().orElseThrow(() -> new IllegalStateException(id + ": no program type"))));
            if (!(r instanceof VerificationResult.Accepted a)) {
                rejected.add(id);
                return VmOptions.defaults().withEngine(JIT);
            }
            withFacts.add(id);
            VmOptions o = VmOptions.defaults().withEngine(JIT.withFacts(ready.code(), a.facts()));
            return hasProgramArray(spec) ? o : o.withInstructionBudget(Long.MAX_VALUE);
        }, "testprogs-jit-exclusions.tsv");
        return Stream.concat(cases, Stream.of(DynamicTest.dynamicTest("summary", () -> System.out.println(
                "[jit-verified] programs run with facts: " + withFacts.size() + "; rejected by the verifier, run "
                        + "without facts: " + new java.util.TreeSet<>(rejected)))));
    }

    private static boolean hasProgramArray(ObjectSpec spec) {
        return spec.maps().stream().anyMatch(m -> m.mapType().orElse(null) == MapType.PROG_ARRAY);
    }
}
