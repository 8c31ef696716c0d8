package org.bpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.bpf4j.isa.DataFile;
import org.bpf4j.jit.Jit;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.MemoryProgram;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per run of the four programs of {@code ../shared/bench} on the interpreter, the JIT and,
 * where {@code bpf()} works, the Linux kernel (its verifier and JIT, through
 * {@code BPF_PROG_TEST_RUN}), all in one run; compare as ratios, also with the anchors in
 * {@code ../shared/bench/README.md} (uBPF's interpreter and JIT, and the kernel JIT measured by
 * the benchmark's author: empty 5 ns, sum_loop 3,062, checksum 543, mix64 5,047).
 *
 * <p>Each invocation makes {@value #BATCH} runs and JMH divides by that: on the kernel one
 * {@code BPF_PROG_TEST_RUN} with {@code repeat} = {@value #BATCH} (the system call's own cost,
 * about a microsecond, is spread over the batch), on the VM engines one copy of the input memory
 * and {@value #BATCH} calls of {@link Execution#runOnMemory} over it: both copy the input once per
 * batch, and each run of a batch sees the stores of the runs before it (these programs store
 * nothing). Until 2026-12-07 the VM engines copied the input at every run ({@link
 * Execution#runWithMemory}), about 10% of the checksum's time (60-80 ns of 1,500 bytes copied and
 * allocated) that the kernel's runs did not pay. The kernel runs the program as {@link MemoryProgram} loads it: a socket filter with a
 * two-instruction prologue that points R1 at the memory (an array map's value) and an exit that
 * stores R0 in a map; it also reports its own mean time per run, printed at the end of each trial
 * as {@code kernel-measured} (the mean over the trial's batches). Each trial also prints
 * {@code cpu-measured}: the benchmark thread's CPU time per run (user and system), the median over
 * the measurement iterations, which waiting for a core on a loaded machine does not inflate. Without {@code bpf()} (not Linux, not root) the kernel trials fail at
 * setup with the reason, and the others run.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -DskipTests package -pl bpf4j-bench -am
 * java -jar bpf4j-bench/target/benchmarks.jar 'JitBenchmark.run'
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2, jvmArgsAppend = "--enable-native-access=ALL-UNNAMED")
public class JitBenchmark {
    /** Runs per benchmark invocation. */
    public static final int BATCH = 1000;

    /** The benchmark program, a file name in {@code ../shared/bench} without {@code .data}. */
    @Param({"bench_empty", "bench_sum_loop", "bench_checksum", "bench_mix64"})
    public String program;

    /**
     * The engine: {@code jit}, {@code interp} or {@code kernel}; {@code jit-nobudget} is the JIT
     * with no instruction budget ({@link Long#MAX_VALUE}, as for a verified program), which
     * compiles loops without budget charges; {@code jit-verified} is the engine {@code bpf4j run}
     * uses for a program its verifier accepts: the JIT with no budget and the verifier's facts
     * (proved accesses compiled without run-time checks), the program verified with its input
     * memory in R1 as the conformance suite gives it.
     */
    @Param({"jit", "jit-nobudget", "jit-verified", "interp", "kernel"})
    public String engine;

    private Execution execution;
    private MemoryProgram kernel;
    private long kernelNanos;
    private long kernelBatches;
    private static final java.lang.management.ThreadMXBean THREADS = java.lang.management.ManagementFactory
            .getThreadMXBean();
    private long cpuAtIterationStart;
    private long invocations;
    private final java.util.List<Double> cpuPerRun = new java.util.ArrayList<>();

    /** Starts the iteration's CPU time account (see {@link #endIteration()}). */
    @Setup(Level.Iteration)
    public void startIteration() {
        invocations = 0;
        cpuAtIterationStart = THREADS.getCurrentThreadCpuTime();
    }

    /**
     * The CPU time of the benchmark thread per run over the iteration (user and system time, so
     * the kernel's runs count too): a second reading that time spent waiting for a core on a
     * loaded machine does not inflate.
     */
    @TearDown(Level.Iteration)
    public void endIteration(org.openjdk.jmh.infra.IterationParams params) {
        long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtIterationStart;
        if (invocations > 0 && params.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT) {
            cpuPerRun.add((double) cpu / (invocations * BATCH));
        }
    }
    private byte[] memory;
    private long expected;

    /** Loads the program and checks its result once. */
    @Setup(Level.Trial)
    public void setUp() {
        DataFile file = BenchPrograms.load(program);
        memory = file.memory().orElse(null);
        expected = file.expectedResult().orElseThrow();
        if (engine.equals("kernel")) {
            Kernel.Availability a = Kernel.probe();
            if (!a.available()) {
                throw new IllegalStateException("kernel engine skipped: " + a.reason());
            }
            kernel = MemoryProgram.load(Kernel.system(), program, file.code(), memory == null ? -1 : memory.length);
        } else {
            Engine e = switch (engine) {
                case "jit", "jit-nobudget" -> Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);
                case "jit-verified" -> Jit.INSTANCE.withFallback(Jit.Fallback.FAIL).withFacts(file.code(),
                        verifiedFacts(file.code(), memory));
                case "interp" -> Interpreter.INSTANCE;
                default -> throw new IllegalArgumentException("unknown engine " + engine);
            };
            VmOptions options = VmOptions.defaults().withEngine(e);
            if (engine.equals("jit-nobudget") || engine.equals("jit-verified")) {
                options = options.withInstructionBudget(Long.MAX_VALUE);
            }
            VmProgram loaded = VmProgram.load(program, file.code(), options);
            execution = loaded.newExecution();
        }
        check(runOnce());
    }

    /** The verifier's facts about a benchmark program, run with {@code memory} in R1. */
    static org.bpf4j.verifier.AccessFacts verifiedFacts(org.bpf4j.isa.Code code, byte[] memory) {
        org.bpf4j.verifier.VerificationResult r = org.bpf4j.verifier.Verifier.verify(
                new org.bpf4j.verifier.VerifierInput("bench", code, org.bpf4j.spec.ProgramType.SOCKET_FILTER,
                        java.util.List.of(), true).withEntryMemory(memory == null ? 0 : memory.length));
        if (!(r instanceof org.bpf4j.verifier.VerificationResult.Accepted a)) {
            throw new IllegalStateException("the verifier rejects the program: " + r);
        }
        return a.facts();
    }

    private long runOnce() {
        return kernel != null ? kernel.run(memory) : execution.runWithMemory(memory);
    }

    private void check(long r0) {
        if (r0 != expected) {
            throw new IllegalStateException(program + " on " + engine + " returned 0x" + Long.toHexString(r0)
                    + ", expected 0x" + Long.toHexString(expected));
        }
    }

    /** Checks that the result is still right (a wrong engine must not look fast), and closes the kernel program. */
    @TearDown(Level.Trial)
    public void tearDown() {
        try {
            check(runOnce());
            if (kernel != null) {
                System.out.printf("kernel-measured %s: %.1f ns/run (mean of %d batches, warm-up included)%n", program,
                        (double) kernelNanos / Math.max(1, kernelBatches), kernelBatches);
            }
            if (!cpuPerRun.isEmpty()) {
                java.util.List<Double> measured = new java.util.ArrayList<>(cpuPerRun);
                java.util.Collections.sort(measured);
                System.out.printf("cpu-measured %s %s: %.1f ns/run (median CPU time of the %d measurement iterations)%n",
                        engine, program, measured.get(measured.size() / 2), measured.size());
            }
        } finally {
            if (kernel != null) {
                kernel.close();
                kernel = null;
            }
        }
    }

    /**
     * {@value #BATCH} runs; the score is per run. Returns the XOR of the results so that none is
     * optimised away.
     */
    @Benchmark
    @OperationsPerInvocation(BATCH)
    public long run() {
        invocations++;
        if (kernel != null) {
            MemoryProgram.Timed t = kernel.run(memory, BATCH);
            kernelNanos += t.meanNanos();
            kernelBatches++;
            return t.r0();
        }
        byte[] input = memory == null ? null : memory.clone();
        long acc = 0;
        for (int i = 0; i < BATCH; i++) {
            acc ^= execution.runOnMemory(input);
        }
        return acc;
    }

    /**
     * Compile time: preparing a generated program of {@code size} instructions (arithmetic, stack
     * and memory accesses, dense branches, small loops, helper and function calls) on the JIT,
     * after warm-up; divide by {@code size / 1000} for time per 1,000 instructions. Each trial
     * also prints {@code cpu-measured compile}: the benchmark thread's CPU time per compilation
     * (the median over the measurement iterations), which waiting for a core on a loaded machine
     * does not inflate, and which leaves out the garbage collector's and HotSpot's own threads.
     * Ten warm-up iterations: on a loaded machine HotSpot's compiler threads get little time, and
     * after five the compiler's own code still ran partly interpreted.
     *
     * <pre>
     * java -jar bpf4j-bench/target/benchmarks.jar 'JitBenchmark.Compile'
     * </pre>
     */
    @State(Scope.Thread)
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    @Warmup(iterations = 10, time = 2)
    @Measurement(iterations = 5, time = 2)
    @Fork(value = 2)
    public static class Compile {
        /** Instructions in the program. */
        @Param({"1000", "10000", "100000"})
        public int size;

        /**
         * The kind of program: {@code mixed} ({@link #generate}), {@code straight} (stack loads and
         * stores and arithmetic, no branch: {@link #straight}) or {@code branches} (dense forward
         * branches and small loops: {@link #branches}); the last two are the shapes of the JIT's
         * large-program tests (up to 1,000,000 and 100,000 instructions).
         */
        @Param({"mixed"})
        public String shape;

        private VmProgram program;
        private final Jit jit = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);
        private long cpuAtIterationStart;
        private long compilations;
        private final java.util.List<Double> cpuPerCompilation = new java.util.ArrayList<>();

        /** Starts the iteration's CPU time account. */
        @Setup(Level.Iteration)
        public void startIteration() {
            compilations = 0;
            cpuAtIterationStart = THREADS.getCurrentThreadCpuTime();
        }

        /** Ends the iteration's CPU time account: CPU time per compilation. */
        @TearDown(Level.Iteration)
        public void endIteration(org.openjdk.jmh.infra.IterationParams params) {
            long cpu = THREADS.getCurrentThreadCpuTime() - cpuAtIterationStart;
            if (compilations > 0 && params.getType() == org.openjdk.jmh.runner.IterationType.MEASUREMENT) {
                cpuPerCompilation.add((double) cpu / compilations);
            }
        }

        /** Prints the median CPU time per compilation of the measurement iterations. */
        @TearDown(Level.Trial)
        public void report() {
            if (!cpuPerCompilation.isEmpty()) {
                java.util.List<Double> measured = new java.util.ArrayList<>(cpuPerCompilation);
                java.util.Collections.sort(measured);
                double ms = measured.get(measured.size() / 2) / 1e6;
                System.out.printf("cpu-measured compile %s %d: %.3f ms per compilation, %.3f ms per 1,000 instructions "
                        + "(median CPU time of the %d measurement iterations; best iteration %.3f ms per 1,000)%n",
                        shape, size, ms, ms / (size / 1000.0), measured.size(),
                        measured.getFirst() / 1e6 / (size / 1000.0));
            }
        }

        /** Generates the program (loaded on the interpreter; the benchmark prepares it on the JIT). */
        @Setup(Level.Trial)
        public void setUp() {
            org.bpf4j.isa.Code code = switch (shape) {
                case "mixed" -> generate(size);
                case "straight" -> straight(size);
                case "branches" -> branches(size);
                default -> throw new IllegalArgumentException("shape " + shape + ": mixed, straight or branches");
            };
            program = VmProgram.load("compile_" + shape + "_" + size, code, VmOptions.defaults());
        }

        /** One compilation: planning, bytecode generation, class definition. */
        @Benchmark
        public org.bpf4j.vm.Executable compile() {
            compilations++;
            return jit.prepare(program);
        }

        /** A straight-line program of {@code size} instructions: stack stores and loads, arithmetic. */
        public static org.bpf4j.isa.Code straight(int size) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(size);
            StringBuilder asm = new StringBuilder("mov %r0, 0\nmov %r1, 1\nmov %r2, 2\n");
            for (int n = 3; n < size - 1; n++) {
                int off = 8 * (1 + rnd.nextInt(64));
                switch (rnd.nextInt(6)) {
                    case 0 -> asm.append("add %r0, ").append(rnd.nextInt(100_000)).append('\n');
                    case 1 -> asm.append("xor %r1, %r0\n");
                    case 2 -> asm.append("stxdw [%r10-").append(off).append("], %r1\n");
                    case 3 -> asm.append("ldxdw %r2, [%r10-").append(off).append("]\n");
                    case 4 -> asm.append("mul %r2, ").append(3 + rnd.nextInt(100)).append('\n');
                    default -> asm.append("add %r0, %r2\n");
                }
            }
            return org.bpf4j.isa.Assembler.assemble(asm.append("exit\n").toString(), "straight.s");
        }

        /**
         * A program of about {@code size} instructions of dense branches: conditional jumps over
         * one or two instructions, arithmetic, and small counted loops.
         */
        public static org.bpf4j.isa.Code branches(int size) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(size);
            String[] ops = {"jeq", "jne", "jgt", "jge", "jlt", "jle", "jsgt", "jsge", "jslt", "jsle", "jset"};
            StringBuilder asm = new StringBuilder("mov %r0, 0\nmov %r1, 7\n");
            int n = 2;
            int label = 0;
            while (n < size - 2) {
                int k = rnd.nextInt(10);
                if (k < 6) {
                    String l = "s" + label++;
                    asm.append(ops[rnd.nextInt(ops.length)]).append(rnd.nextBoolean() ? " %r1, " : "32 %r1, ")
                            .append(rnd.nextInt(-50, 5000)).append(", ").append(l).append('\n')
                            .append("add %r0, ").append(rnd.nextInt(1000)).append('\n')
                            .append(l).append(":\nxor %r0, %r1\n");
                    n += 3;
                } else if (k < 9) {
                    asm.append("add %r1, ").append(rnd.nextInt(1, 97)).append("\nand %r1, 0x1fff\n");
                    n += 2;
                } else {
                    String l = "l" + label++;
                    asm.append("mov %r3, ").append(1 + rnd.nextInt(5)).append('\n').append(l)
                            .append(":\nadd %r0, %r3\nsub %r3, 1\njne %r3, 0, ").append(l).append('\n');
                    n += 4;
                }
            }
            return org.bpf4j.isa.Assembler.assemble(asm.append("exit\n").toString(), "branches.s");
        }

        /** The generated program of about {@code size} instructions. */
        public static org.bpf4j.isa.Code generate(int size) {
            java.util.SplittableRandom rnd = new java.util.SplittableRandom(size);
            StringBuilder asm = new StringBuilder("mov %r6, %r1\nmov %r0, 0\n");
            int n = 2;
            int label = 0;
            while (n < size - 4) {
                switch (rnd.nextInt(8)) {
                    case 0 -> {
                        asm.append("add %r0, ").append(rnd.nextInt(1000)).append('\n');
                        n += 1;
                    }
                    case 1 -> {
                        asm.append("xor %r2, %r0\nmul %r2, 7\n");
                        n += 2;
                    }
                    case 2 -> {
                        asm.append("stxdw [%r10-").append(8 * (1 + rnd.nextInt(32))).append("], %r2\n");
                        n += 1;
                    }
                    case 3 -> {
                        asm.append("ldxdw %r3, [%r10-").append(8 * (1 + rnd.nextInt(32))).append("]\n");
                        n += 1;
                    }
                    case 4 -> {
                        asm.append("ldxb %r4, [%r6+").append(rnd.nextInt(64)).append("]\nadd %r0, %r4\n");
                        n += 2;
                    }
                    case 5 -> {
                        asm.append("jgt %r0, ").append(rnd.nextInt(5000)).append(", l").append(label).append('\n')
                                .append("add %r0, %r3\nl").append(label).append(":\n");
                        label++;
                        n += 2;
                    }
                    case 6 -> {
                        asm.append("mov %r5, 3\nl").append(label).append(":\nsub %r5, 1\njne %r5, 0, l")
                                .append(label).append('\n');
                        label++;
                        n += 3;
                    }
                    default -> {
                        asm.append("call 5\n");
                        n += 1;
                    }
                }
            }
            asm.append("exit\n");
            return org.bpf4j.isa.Assembler.assemble(asm.toString(), "compile.s");
        }
    }
}
