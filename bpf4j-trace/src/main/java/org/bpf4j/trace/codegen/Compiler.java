package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * The code generator: a typed program to one eBPF program per attach point, straight to
 * instructions (no LLVM). Errors (features not generated yet, a frame over 512 bytes) go to the
 * diagnostics.
 */
public final class Compiler {
    private Compiler() {}

    /** Compiles; empty if there were errors. */
    public static Optional<CompiledScript> compile(TypedProgram typed, Diagnostics diags) {
        List<MapInfo> maps = new ArrayList<>(typed.maps().values());
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < maps.size(); i++) {
            index.put(maps.get(i).name(), i);
        }
        Events events = new Events();
        List<CompiledScript.ProbeProgram> programs = new ArrayList<>();
        int before = diags.errorCount();
        for (Probe p : typed.program().probes()) {
            for (AttachPoint ap : p.attachPoints()) {
                ProbeCompiler pc = new ProbeCompiler(typed, events, index, maps.size(), maps.size() + 1, diags, p, ap);
                CompiledScript.ProbeProgram prog = pc.compile();
                if (prog != null) {
                    programs.add(prog);
                }
            }
        }
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        return Optional.of(new CompiledScript(typed, programs, maps, events));
    }
}
