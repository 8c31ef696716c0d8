package org.bpf4j.jit;

import java.io.IOException;
import java.util.stream.Stream;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.testprogs.TestProgramsTest;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.TestFactory;

/**
 * The cases of {@code testprogs/expected/} on the JIT (no fallback to the interpreter), compared
 * exactly with the kernel's results as {@link TestProgramsTest} compares the interpreter's.
 * Differences known today are in {@code testprogs-jit-exclusions.tsv}, each with its reason.
 */
class JitTestProgramsTest {

    @TestFactory
    Stream<DynamicNode> runOnJit() throws IOException {
        return TestProgramsTest.runAll(VmOptions.defaults().withEngine(Jit.INSTANCE.withFallback(Jit.Fallback.FAIL)),
                "testprogs-jit-exclusions.tsv");
    }
}
