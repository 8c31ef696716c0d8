package org.bpf4j.jit;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Executable;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmProgram;

/**
 * The JIT engine: compiles each program to JVM bytecode in hidden classes (unloaded with the
 * program), which HotSpot then compiles to native code. Every operation has the interpreter's
 * semantics, including traps (same kind, slot and message), the instruction budget and its
 * accounting, and the call depth limit; memory accesses are checked as in the interpreter, except
 * accesses through an unmodified R10 at constant offsets inside the current stack frame, which the
 * compiler proves in bounds.
 *
 * <p>Registers are JVM locals; each eBPF function becomes a method (bpf-to-bpf calls are JVM calls);
 * helpers are direct calls of constant targets; a function too large for one method is split at
 * basic-block boundaries into chunks that each stay under HotSpot's 8,000-byte limit.
 *
 * <p>Loads and stores outside the current frame test the region table inline (the accessors'
 * fast path) and call the checked accessor of {@link org.bpf4j.vm.Memory} out of line, which
 * serves context and shared regions and traps. A program loaded with no instruction budget
 * ({@link org.bpf4j.vm.VmOptions#instructionBudget()} = {@link Long#MAX_VALUE}, meant for verified
 * programs, which terminate) is compiled without budget charges, which makes loops up to three
 * times faster; its runs then report a {@link org.bpf4j.vm.Execution#budgetUsed()} of 0, where the
 * interpreter still counts.
 *
 * <p>When a program cannot be compiled (see {@link #withMaxFunctionInstructions(int)}), the
 * {@link Fallback} policy decides: run it on the interpreter, or fail the load with a
 * {@link JitCompilationException}. Immutable and thread-safe.
 *
 * <pre>{@code
 * VmProgram p = VmProgram.load("prog", code, VmOptions.defaults().withEngine(Jit.INSTANCE));
 * }</pre>
 */
public final class Jit implements Engine {
    /** What to do with a program the JIT cannot compile. */
    public enum Fallback {
        /**
         * Run what cannot be compiled on the interpreter (same results, slower): a function too
         * large ({@link #withMaxFunctionInstructions(int)}) or whose code exceeds HotSpot's method
         * limit runs interpreted, with everything it calls, while the rest stays compiled; a
         * program whose classes the JVM refuses runs interpreted whole.
         */
        INTERPRETER,
        /** Refuse to load the program, with a {@link JitCompilationException}. */
        FAIL
    }

    /** The kernel's limit on a program's length, BPF_COMPLEXITY_LIMIT_INSNS: one million instructions. */
    public static final int DEFAULT_MAX_FUNCTION_INSTRUCTIONS = 1_000_000;

    /** The JIT with interpreter fallback and the kernel's size limit. */
    public static final Jit INSTANCE = new Jit(Fallback.INTERPRETER, DEFAULT_MAX_FUNCTION_INSTRUCTIONS,
            FunctionPlan.METHOD_LIMIT);

    private final Fallback fallback;
    private final int maxFunctionInstructions;
    private final int methodLimit;
    /** Programs this JIT compiled for tail calls because they were loaded with another engine. */
    private final Map<VmProgram, CompiledProgram> foreign = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The JIT with the kernel's size limit and the fallback policy of {@code -Dbpf4j.jit.fallback}
     * ({@code interpreter}, the default, or {@code fail}). This is the engine that
     * {@link java.util.ServiceLoader} finds, so that {@code -Dbpf4j.engine=jit} selects it.
     */
    public Jit() {
        this(Fallback.valueOf(System.getProperty("bpf4j.jit.fallback", "interpreter").toUpperCase(java.util.Locale.ROOT)),
                DEFAULT_MAX_FUNCTION_INSTRUCTIONS, FunctionPlan.METHOD_LIMIT);
    }

    private Jit(Fallback fallback, int maxFunctionInstructions, int methodLimit) {
        this.fallback = Objects.requireNonNull(fallback);
        if (maxFunctionInstructions <= 0) {
            throw new IllegalArgumentException("the function size limit must be positive, not " + maxFunctionInstructions);
        }
        this.maxFunctionInstructions = maxFunctionInstructions;
        this.methodLimit = methodLimit;
    }

    /** This JIT with another fallback policy. */
    public Jit withFallback(Fallback policy) {
        return new Jit(policy, maxFunctionInstructions, methodLimit);
    }

    /**
     * This JIT with another limit on the instructions of one function; a program with a larger
     * function is not compiled (see {@link Fallback}).
     */
    public Jit withMaxFunctionInstructions(int limit) {
        return new Jit(fallback, limit, methodLimit);
    }

    /**
     * For tests: this JIT with another target size for generated methods (estimated bytes), so
     * that small functions are split into chunks too.
     */
    Jit withMethodLimit(int bytes) {
        return new Jit(fallback, maxFunctionInstructions, Math.max(200, Math.min(bytes, FunctionPlan.METHOD_LIMIT)));
    }

    int methodLimit() {
        return methodLimit;
    }

    /** The fallback policy. */
    public Fallback fallback() {
        return fallback;
    }

    /** The most instructions one function may have to be compiled. */
    public int maxFunctionInstructions() {
        return maxFunctionInstructions;
    }

    @Override
    public String name() {
        return "jit";
    }

    /**
     * Compiles a program.
     *
     * @throws JitCompilationException under {@link Fallback#FAIL}, if the program cannot be compiled
     */
    @Override
    public Executable prepare(VmProgram program) {
        CompiledProgram compiled;
        try {
            compiled = compile(program);
        } catch (JitCompilationException e) {
            if (fallback == Fallback.FAIL) {
                throw e;
            }
            return Interpreter.INSTANCE.prepare(program);
        }
        return new JitExecutable(compiled);
    }

    /** True if a loaded program runs compiled code (false if it fell back to the interpreter). */
    public static boolean isCompiled(VmProgram program) {
        return program.executable() instanceof JitExecutable;
    }

    /**
     * The entry slots of the functions of a compiled program that run on the interpreter because
     * they could not be compiled (see {@link Fallback#INTERPRETER}), in order; empty when every
     * function compiled so far is compiled, or the program is not compiled at all.
     */
    public static java.util.List<Integer> interpretedFunctions(VmProgram program) {
        return program.executable() instanceof JitExecutable je ? je.program().interpretedFunctions()
                : java.util.List.of();
    }

    /**
     * The JVM bytecode this JIT generates for a program, as text (one listing per generated class,
     * methods with their instructions), for {@code bpf4j run --dump-jit}. Compiles without defining
     * the classes.
     *
     * @throws JitCompilationException if the program cannot be compiled
     */
    public String listing(VmProgram program) {
        ProgramImage img = ProgramImage.of(program);
        UnitCompiler.Unit unit = UnitCompiler.compile(this, img, null, CompiledProgram.roots(img), false);
        return BytecodeListing.of(unit.classFiles());
    }

    private CompiledProgram compile(VmProgram program) {
        try {
            return new CompiledProgram(this, ProgramImage.of(program), program);
        } catch (org.bpf4j.UnsupportedFeatureException e) { // including JitCompilationException
            throw e;
        } catch (RuntimeException e) {
            throw new JitCompilationException("program " + program.name() + ": the JIT failed: " + e, e);
        }
    }

    /** The compiled form of a tail call's target, which may have been loaded with another engine. */
    CompiledProgram compiledFor(VmProgram target) {
        if (target.executable() instanceof JitExecutable je) {
            return je.program();
        }
        CompiledProgram p = foreign.get(target);
        if (p == null) {
            p = compile(target);
            foreign.put(target, p);
        }
        return p;
    }

    @Override
    public String toString() {
        return "jit (fallback " + fallback.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
