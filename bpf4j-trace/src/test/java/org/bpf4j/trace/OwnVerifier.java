package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.object.btf.BtfKernelTypes;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.runtime.KernelBackend;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;

/**
 * bpf4j's own verifier over the programs a script compiles to: each must be accepted with the
 * program type and the maps the kernel backend loads it with (the golden, kernel and side-by-side
 * tests call this on every script they compile, so the generated code passes both verifiers).
 */
final class OwnVerifier {
    private OwnVerifier() {}

    private static final KernelTypes KERNEL = BtfKernelTypes.system().orElse(KernelTypes.NONE);

    /** Fails, with the verifier's message and the program's name, unless every program is accepted. */
    static void assertAccepted(CompiledScript script) {
        assertAccepted(script, false);
    }

    /**
     * As {@link #assertAccepted(CompiledScript)}; with {@code loopsMayNotEnd}, a program refused
     * because a loop of the script never ends ({@code while ($i < 40) { }}) or has no bound the
     * verifier can see within its 1M instructions ({@code $i = $i * *3}, a value read from memory)
     * passes: the kernel refuses those too, as it refuses bpftrace's.
     */
    static void assertAccepted(CompiledScript script, boolean loopsMayNotEnd) {
        List<MapInfo> maps = new ArrayList<>();
        for (CompiledScript.RuntimeMap m : script.runtimeMaps(org.bpf4j.vm.Cpus.count())) {
            maps.add(MapInfo.of(m.name(), m.type(), m.keySize(), m.valueSize(), m.entries()));
        }
        for (CompiledScript.ProbeProgram p : script.programs()) {
            VerifierInput in = new VerifierInput(p.name(), p.code(), KernelBackend.programType(script, p), maps, true)
                    .withKernelTypes(KERNEL);
            if (Verifier.verify(in) instanceof VerificationResult.Rejected r
                    && !(loopsMayNotEnd && (r.message().startsWith("infinite loop detected")
                            || r.message().startsWith("BPF program is too large")))) {
                fail("bpf4j's verifier rejects " + p.name() + " at slot " + r.slot() + ": " + r.message()
                        + "\n" + r.state());
            }
        }
    }
}
