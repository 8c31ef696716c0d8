package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * The code generator: a typed program to one eBPF program per attach point, straight to
 * instructions (no LLVM). Errors (features not generated yet, a frame over 512 bytes) go to the
 * diagnostics.
 */
public final class Compiler {
    private Compiler() {}

    /** Compiles for the ring buffer transport; empty if there were errors. */
    public static Optional<CompiledScript> compile(TypedProgram typed, Diagnostics diags) {
        return compile(typed, diags, Transport.RING_BUFFER);
    }

    /**
     * Compiles for the queue transport: events go through a queue map whose values are as large as
     * the largest event (found by a first compilation), for backends that cannot map a ring buffer.
     */
    public static Optional<CompiledScript> compileForQueue(TypedProgram typed, Diagnostics diags) {
        return compileForQueue(typed, diags, 0);
    }

    /** {@link #compileForQueue(TypedProgram, Diagnostics)} with helper checks (0 none, 1 by default, 2 {@code -k}). */
    public static Optional<CompiledScript> compileForQueue(TypedProgram typed, Diagnostics diags, int helperChecks) {
        return compileForQueue(typed, diags, helperChecks, Optional.empty());
    }

    /**
     * {@link #compileForQueue(TypedProgram, Diagnostics, int)} for a tracer in this PID namespace
     * (empty: the initial one); see {@link PidNamespace}.
     */
    public static Optional<CompiledScript> compileForQueue(TypedProgram typed, Diagnostics diags, int helperChecks,
            Optional<PidNamespace> pidNamespace) {
        Optional<CompiledScript> first = compile(typed, diags, Transport.RING_BUFFER, helperChecks, pidNamespace);
        if (first.isEmpty()) {
            return first;
        }
        int size = Math.max(16, Type.align8(first.get().events().maxSize()));
        return compile(typed, diags, new Transport(size), helperChecks, pidNamespace);
    }

    /** Compiles; empty if there were errors. */
    public static Optional<CompiledScript> compile(TypedProgram typed, Diagnostics diags, Transport transport) {
        return compile(typed, diags, transport, 0);
    }

    /**
     * Compiles, with helper calls checked for failure at {@code helperChecks} (0 none, 1 by
     * default, 2 as {@code -k}; see {@link Events#helperChecks()}); empty if there were errors.
     */
    public static Optional<CompiledScript> compile(TypedProgram typed, Diagnostics diags, Transport transport,
            int helperChecks) {
        return compile(typed, diags, transport, helperChecks, Optional.empty());
    }

    /**
     * {@link #compile(TypedProgram, Diagnostics, Transport, int)} for a tracer in this PID namespace
     * (empty: the initial one, or the VM); see {@link PidNamespace}.
     */
    public static Optional<CompiledScript> compile(TypedProgram typed, Diagnostics diags, Transport transport,
            int helperChecks, Optional<PidNamespace> pidNamespace) {
        List<MapInfo> maps = new ArrayList<>(typed.maps().values());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < maps.size(); i++) {
            index.put(maps.get(i).name(), i);
        }
        Events events = new Events(helperChecks);
        List<CompiledScript.ProbeProgram> programs = new ArrayList<>();
        int before = diags.errorCount();
        for (Probe p : typed.program().probes()) {
            for (AttachPoint ap : p.attachPoints()) {
                ProbeCompiler pc = new ProbeCompiler(typed, events, index, maps.size(), maps.size() + 1, diags, p, ap,
                        transport, pidNamespace);
                CompiledScript.ProbeProgram prog = pc.compile();
                if (prog == null && pc.needsScratchFrame()) {
                    // a split frame: its scratch part is at most the whole frame; compiled once more at its size
                    pc = new ProbeCompiler(typed, events, index, maps.size(), maps.size() + 1, diags, p, ap, transport,
                            pidNamespace, Type.align8(pc.frameBytes()));
                    prog = pc.compile();
                    int scratch = Type.align8(pc.scratchBytes());
                    if (prog != null && scratch > 0 && scratch < pc.scratchFrame) {
                        pc = new ProbeCompiler(typed, events, index, maps.size(), maps.size() + 1, diags, p, ap,
                                transport, pidNamespace, scratch);
                        prog = pc.compile();
                    }
                }
                if (prog != null) {
                    programs.add(prog);
                }
            }
        }
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        CompiledScript script = new CompiledScript(typed, programs, maps, events, transport);
        if (events.skbOutputs().isEmpty() && events.iterFormats().length == 0) {
            return Optional.of(script);
        }
        // skboutput()'s perf event array comes after every other map, the formats of printf in
        // iterators before it: their indexes are known only now
        int skbMap = script.skbOutputIndex();
        int formatsMap = script.iterFormatsIndex();
        List<CompiledScript.ProbeProgram> patched = new ArrayList<>();
        for (CompiledScript.ProbeProgram prog : programs) {
            List<Instruction> code = new ArrayList<>(prog.code().instructions());
            code.replaceAll(i -> i instanceof Instruction.LoadImm64 l
                    && l.kind() == Imm64Kind.MAP_BY_FD && l.imm() == BtfPointerCalls.SKB_MAP
                    ? new Instruction.LoadImm64(l.dst(), l.kind(), skbMap, 0)
                    : i instanceof Instruction.LoadImm64 l
                    && l.kind() == Imm64Kind.MAP_VALUE_BY_FD && l.imm() == Events.ITER_FORMATS_MAP
                    ? new Instruction.LoadImm64(l.dst(), l.kind(), formatsMap, l.nextImm()) : i);
            patched.add(new CompiledScript.ProbeProgram(prog.attachPoint(), prog.name(),
                    Code.of(code), prog.stackBytes()));
        }
        return Optional.of(new CompiledScript(typed, patched, maps, events, transport));
    }
}
