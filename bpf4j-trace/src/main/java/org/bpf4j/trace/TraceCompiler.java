package org.bpf4j.trace;

import java.util.List;
import java.util.Optional;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.codegen.Compiler;
import org.bpf4j.trace.parse.Parser;
import org.bpf4j.trace.sema.SemanticAnalyser;
import org.bpf4j.trace.sema.TypedProgram;

/**
 * The pipeline from script text to eBPF: parse, type-check, generate. Each stage reports to one
 * {@link Diagnostics}; a stage runs only if the one before it had no errors. Stateless.
 */
public final class TraceCompiler {
    private TraceCompiler() {}

    /** The result of each stage that ran (empty from the first stage with errors on). */
    public record Result(Optional<Program> program, Optional<TypedProgram> typed, Optional<CompiledScript> compiled,
            Diagnostics diagnostics) {
        /** The compiled script. @throws TraceException with the diagnostics if there is none */
        public CompiledScript orThrow(Source source) {
            return compiled.orElseThrow(() -> new TraceException(source, diagnostics));
        }
    }

    /** Runs the stages over a script with positional parameters, for the VM (ring buffer events). */
    public static Result compile(Source source, List<String> params) {
        return compile(source, params, false);
    }

    /**
     * Runs the stages; with {@code queue}, events go through a queue map (for the kernel backend,
     * which reads them with lookup-and-delete) instead of a ring buffer.
     */
    public static Result compile(Source source, List<String> params, boolean queue) {
        Diagnostics d = new Diagnostics();
        Optional<Program> program = Parser.parse(source, d);
        if (program.isEmpty()) {
            return new Result(program, Optional.empty(), Optional.empty(), d);
        }
        Optional<TypedProgram> typed = SemanticAnalyser.analyse(program.get(), params, d);
        if (typed.isEmpty()) {
            return new Result(program, typed, Optional.empty(), d);
        }
        return new Result(program, typed, queue ? Compiler.compileForQueue(typed.get(), d)
                : Compiler.compile(typed.get(), d), d);
    }
}
