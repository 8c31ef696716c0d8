package org.bpf4j.verifier;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Without the kernel's types ({@link VerifierInput#kernelTypes()} left {@code NONE}), programs that
 * need them are refused with a message that says so, whatever the machine (these are not
 * verdicts the kernel could give, so they are not verifier cases).
 */
class KernelTypesAbsentTest {
    private static VerificationResult.Rejected verify(String asm, Map<Integer, String> kfuncs) {
        Code code = Assembler.assemble(asm, "test", 1);
        VerificationResult r = Verifier.verify(new VerifierInput("t", code, ProgramType.SCHED_CLS, List.of(), true,
                List.of(), kfuncs));
        return assertInstanceOf(VerificationResult.Rejected.class, r);
    }

    @Test
    void kfuncOnKernelObjectsNeedsKernelBtf() {
        VerificationResult.Rejected r = verify("""
                mov %r1, 1
                call kfunc 0
                mov %r0, 0
                exit
                """, Map.of(1, "bpf_task_from_pid"));
        assertTrue(r.message().contains("kfunc bpf_task_from_pid needs kernel BTF"), r.message());
    }

    @Test
    void readingAKernelStructureNeedsKernelBtf() {
        VerificationResult.Rejected r = verify("""
                call 158
                ldxw %r1, [%r0+8]
                mov %r0, 0
                exit
                """, Map.of());
        assertTrue(r.message().contains("reading kernel struct task_struct needs kernel BTF"), r.message());
    }
}
