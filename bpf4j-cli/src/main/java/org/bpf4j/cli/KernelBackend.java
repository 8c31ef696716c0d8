package org.bpf4j.cli;

import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Code;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.MemoryProgram;
import org.bpf4j.linux.VerifierException;

/**
 * The {@code kernel} engine: runs programs in the Linux kernel with {@code BPF_PROG_TEST_RUN}
 * through {@link MemoryProgram} (r1 = the memory, r2 = its length, r0 read back in 64 bits).
 * The program is loaded at its first run, once per memory size; the kernel's verifier and
 * limits apply and {@code --budget} does not. A program the verifier refuses ends the run with
 * {@link KernelRefusal}. Stateless; each runner owns its kernel objects until closed.
 */
final class KernelBackend implements Backend {
    @Override
    public String name() {
        return "kernel";
    }

    @Override
    public String description() {
        return "the Linux kernel (bpf() and BPF_PROG_TEST_RUN; needs root or CAP_BPF)";
    }

    @Override
    public Runner load(String name, Code code, long budget) {
        Kernel.Availability a = Kernel.probe();
        if (!a.available()) {
            throw new UnsupportedFeatureException("the kernel engine cannot run here: " + a.reason());
        }
        Kernel kernel = Kernel.system();
        return new Runner() {
            private final Map<Integer, MemoryProgram> loaded = new HashMap<>();

            @Override
            public long run(byte[] memory) {
                return program(memory).run(memory);
            }

            @Override
            public long runBatch(byte[] memory, int runs) {
                return program(memory).run(memory, runs).r0();
            }

            private MemoryProgram program(byte[] memory) {
                int size = memory == null ? -1 : memory.length;
                MemoryProgram p = loaded.get(size);
                if (p == null) {
                    try {
                        p = MemoryProgram.load(kernel, name, code, size);
                    } catch (VerifierException e) {
                        throw new KernelRefusal(e);
                    }
                    loaded.put(size, p);
                }
                return p;
            }

            @Override
            public OptionalLong instructions() {
                return OptionalLong.empty();
            }

            @Override
            public void close() {
                loaded.values().forEach(MemoryProgram::close);
                loaded.clear();
            }
        };
    }

    /**
     * The kernel's verifier refused the program: an unsupported feature of the kernel engine (the
     * conformance command skips such tests), with the verifier's decisive line and its full log as
     * the cause.
     */
    static final class KernelRefusal extends UnsupportedFeatureException {
        KernelRefusal(VerifierException e) {
            super("the kernel's verifier refuses it: " + e.summary() + " (" + e.errnoName() + ")");
            initCause(e);
        }
    }
}
