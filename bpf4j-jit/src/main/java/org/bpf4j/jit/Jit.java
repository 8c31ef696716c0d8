package org.bpf4j.jit;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import org.bpf4j.verifier.AccessFacts;
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
 * compiler proves in bounds, and, for a program compiled {@linkplain #withFacts with the
 * verifier's facts}, the accesses the verifier proved inside the running frame (no test) or the
 * input memory (a bounds test against the run's input array only).
 *
 * <p>Registers are JVM locals; each eBPF function becomes a method (bpf-to-bpf calls are JVM calls);
 * helpers are direct calls of constant targets; a function too large for one method is split at
 * basic-block boundaries into chunks that each stay under HotSpot's 8,000-byte limit.
 *
 * <p>Loads and stores outside the current frame test the region table inline (the accessors'
 * fast path) and call the checked accessor of {@link org.bpf4j.vm.Memory} out of line, which
 * serves context and shared regions and traps. A program loaded with no instruction budget
 * ({@link org.bpf4j.vm.VmOptions#instructionBudget()} = {@link Long#MAX_VALUE}, meant for verified
 * programs, which terminate) is compiled without budget charges (elsewhere a charge at a backward
 * jump is one subtraction and a jump on overflow, about 0-25% of a tight loop's time); its runs
 * then report a {@link org.bpf4j.vm.Execution#budgetUsed()} of 0, where the interpreter still
 * counts.
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
            FunctionPlan.METHOD_LIMIT, null, null);

    private final Fallback fallback;
    private final int maxFunctionInstructions;
    private final int methodLimit;
    /** The program the facts are about, and the facts (both null without facts). */
    private final org.bpf4j.isa.Code factsCode;
    private final AccessFacts facts;
    /** Programs this JIT compiled for tail calls because they were loaded with another engine. */
    private final Map<VmProgram, CompiledProgram> foreign = Collections.synchronizedMap(new WeakHashMap<>());

    /**
     * The JIT with the kernel's size limit and the fallback policy of {@code -Dbpf4j.jit.fallback}
     * ({@code interpreter}, the default, or {@code fail}). This is the engine that
     * {@link java.util.ServiceLoader} finds, so that {@code -Dbpf4j.engine=jit} selects it.
     */
    public Jit() {
        this(Fallback.valueOf(System.getProperty("bpf4j.jit.fallback", "interpreter").toUpperCase(java.util.Locale.ROOT)),
                DEFAULT_MAX_FUNCTION_INSTRUCTIONS, FunctionPlan.METHOD_LIMIT, null, null);
    }

    private Jit(Fallback fallback, int maxFunctionInstructions, int methodLimit, org.bpf4j.isa.Code factsCode,
            AccessFacts facts) {
        this.fallback = Objects.requireNonNull(fallback);
        this.factsCode = factsCode;
        this.facts = facts;
        if (maxFunctionInstructions <= 0) {
            throw new IllegalArgumentException("the function size limit must be positive, not " + maxFunctionInstructions);
        }
        this.maxFunctionInstructions = maxFunctionInstructions;
        this.methodLimit = methodLimit;
    }

    /** This JIT with another fallback policy. */
    public Jit withFallback(Fallback policy) {
        return new Jit(policy, maxFunctionInstructions, methodLimit, factsCode, facts);
    }

    /**
     * This JIT with another limit on the instructions of one function; a program with a larger
     * function is not compiled (see {@link Fallback}).
     */
    public Jit withMaxFunctionInstructions(int limit) {
        return new Jit(fallback, limit, methodLimit, factsCode, facts);
    }

    /**
     * For tests: this JIT with another target size for generated methods (estimated bytes), so
     * that small functions are split into chunks too.
     */
    Jit withMethodLimit(int bytes) {
        return new Jit(fallback, maxFunctionInstructions, Math.max(200, Math.min(bytes, FunctionPlan.METHOD_LIMIT)),
                factsCode, facts);
    }

    int methodLimit() {
        return methodLimit;
    }

    /**
     * This JIT with what the verifier proved about the memory accesses of one program
     * ({@link org.bpf4j.verifier.VerificationResult.Accepted#facts()}): loads and stores proved
     * inside the running function's stack frame or the program's input memory or packet are
     * compiled without the run-time region and bounds tests (see the package documentation).
     * The facts apply to the program whose code equals {@code code}; every other program this
     * JIT compiles (such as a tail call's target) keeps every check. Facts that do not hold
     * cannot break the sandbox: compiled code only indexes the sandbox's own arrays, and the JVM
     * checks every index (a failed check ends the run with a memory trap).
     *
     * @param code the verified program's code
     * @param facts the verifier's facts about it
     */
    public Jit withFacts(org.bpf4j.isa.Code code, AccessFacts facts) {
        if (facts.slotCount() != code.slotCount()) {
            throw new IllegalArgumentException("facts about " + facts.slotCount() + " slots for a program of "
                    + code.slotCount());
        }
        return new Jit(fallback, maxFunctionInstructions, methodLimit, Objects.requireNonNull(code), facts);
    }

    /** The access plan for a program: from the facts when they are about it, else every access checked. */
    AccessPlan accessPlan(VmProgram program) {
        return facts != null && program.code().equals(factsCode) ? AccessPlan.of(factsCode, facts) : AccessPlan.NONE;
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
        ProgramImage img = ProgramImage.of(program, accessPlan(program));
        UnitCompiler.Unit unit = UnitCompiler.compile(this, img, null, CompiledProgram.roots(img), false);
        return BytecodeListing.of(unit.classFiles());
    }

    private CompiledProgram compile(VmProgram program) {
        try {
            return new CompiledProgram(this, ProgramImage.of(program, accessPlan(program)), program);
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
        return "jit (fallback " + fallback.name().toLowerCase(java.util.Locale.ROOT) + (facts != null
                ? ", verifier facts for " + facts.count() + " accesses" : "") + ")";
    }
}
