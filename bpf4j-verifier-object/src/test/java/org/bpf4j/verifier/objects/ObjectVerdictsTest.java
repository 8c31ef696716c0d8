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
    private static final java.util.Optional<org.bpf4j.spec.KernelTypes> KERNEL =
            org.bpf4j.object.btf.BtfKernelTypes.system();

    @TestFactory
    Stream<DynamicTest> verdicts() {
        return ObjectVerdicts.all().stream().map(v -> DynamicTest.dynamicTest(v.object() + " " + v.program(), () -> {
            // as bpf4j verify and the kernel backend: __kconfig externs take the running kernel's values
            ObjectSpec obj = org.bpf4j.linux.KernelRelease.withRunningKernelKconfig(
                    ObjectFile.read(ObjectVerdicts.DIR.resolve(v.object())));
            ProgramSpec linked = obj.linkedProgram(v.program());
            ProgramType type = linked.programType().orElseThrow();
            // the running kernel's types, which objects reading kernel structures need (their
            // offsets are this kernel's: build.sh compiles them against its vmlinux.h)
            org.bpf4j.spec.KernelTypes kernel = KERNEL.orElse(org.bpf4j.spec.KernelTypes.NONE);
            org.junit.jupiter.api.Assumptions.assumeTrue(kernel != org.bpf4j.spec.KernelTypes.NONE
                    || !java.util.Set.of("kernel_objects.o", "unseen.o", "ksyms.o").contains(v.object()), v.object()
                    + " needs the kernel's BTF "
                    + "(/sys/kernel/btf/vmlinux), which this system lacks");
            VerificationResult r = Verifier.verify(ObjectInputs.input(obj, linked, type, kernel));
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
