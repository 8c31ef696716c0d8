package org.bpf4j.trace.runtime;

import java.util.Set;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.Resolved;

/**
 * Raw tracepoints loaded as current bpftrace loads them: as BTF-typed tracing programs
 * ({@code tp_btf}: {@code BPF_PROG_TYPE_TRACING}, attach type {@code BPF_TRACE_RAW_TP}, attach
 * BTF id of the kernel's {@code btf_trace_NAME} typedef). The context is the same array of 64-bit
 * arguments, but the verifier knows their types: a pointer argument is a pointer to its kernel
 * struct, which the helpers that take one need ({@code skboutput}'s {@code bpf_skb_output},
 * {@code socket_cookie}'s {@code bpf_get_socket_cookie}). A raw tracepoint that the kernel's BTF
 * does not name (no BTF, a module's) stays a raw_tracepoint program, and so does one whose
 * program the verifier refuses as tp_btf (an argument that is a pointer to neither a struct nor
 * an integer cannot be read there) unless it calls one of those helpers. Stateless.
 */
final class BtfTracepoints {
    /** {@code BTF_KIND_TYPEDEF}. */
    private static final int TYPEDEF = 8;

    private BtfTracepoints() {}

    /** Loads a program as one of its types, with an expected attach type and attach BTF id. */
    @FunctionalInterface
    interface Loader {
        KernelProgram load(ProgramType type, int expectedAttachType, int attachBtfId);
    }

    /**
     * The id of the kernel's {@code btf_trace_NAME} typedef for a raw tracepoint of the kernel
     * (not a module's), or 0 when it has none (then it is loaded as a raw_tracepoint program).
     */
    static int attachId(Kernel kernel, Resolved.RawTracepoint t) {
        if (t.entry().isEmpty() || !t.entry().get().module().equals("vmlinux")) {
            return 0;
        }
        return Math.max(0, kernel.vmlinuxBtf().map(b -> b.typeIdByName("btf_trace_" + t.name(), TYPEDEF)).orElse(0));
    }

    /**
     * Loads a raw tracepoint's program as tp_btf; if the verifier refuses it and it calls no
     * helper that needs typed pointers, as a raw_tracepoint program instead.
     *
     * @throws VerifierException if the kernel refuses it both ways (the raw_tracepoint refusal),
     *     or as tp_btf when it needs typed pointers
     */
    static KernelProgram load(CompiledScript.ProbeProgram p, int attachBtfId, Loader loader) {
        try {
            return loader.load(ProgramType.TRACING, AttachType.TRACE_RAW_TP.id(), attachBtfId);
        } catch (VerifierException e) {
            if (needsTypedPointers(p)) {
                throw e;
            }
            return loader.load(ProgramType.RAW_TRACEPOINT, 0, 0);
        }
    }

    /** Whether a program calls a helper whose argument must be a BTF-typed pointer. */
    static boolean needsTypedPointers(CompiledScript.ProbeProgram p) {
        Set<Integer> ids = Set.of(helper("skb_output"), helper("get_socket_cookie"));
        return p.code().instructions().stream().anyMatch(i -> i instanceof Instruction.Call c
                && c.kind() == CallKind.HELPER && ids.contains(c.imm()));
    }

    private static int helper(String name) {
        return HelperCatalog.linux().byName(name).orElseThrow().id();
    }
}
