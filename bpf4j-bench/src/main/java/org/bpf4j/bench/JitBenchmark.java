package org.bpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.bpf4j.isa.DataFile;
import org.bpf4j.jit.Jit;
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
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time per run of the four programs of {@code ../shared/bench} on the JIT, with the interpreter
 * in the same run for comparison; compare with the kernel JIT's anchors in
 * {@code ../shared/bench/README.md} (empty 5 ns, sum_loop 3,062, checksum 543, mix64 5,047) as
 * ratios. A run includes what {@code BPF_PROG_TEST_RUN} includes: copying the input memory and
 * clearing the stack frame.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -DskipTests package -pl bpf4j-bench -am
 * java -jar bpf4j-bench/target/benchmarks.jar JitBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2)
public class JitBenchmark {
    /** The benchmark program, a file name in {@code ../shared/bench} without {@code .data}. */
    @Param({"bench_empty", "bench_sum_loop", "bench_checksum", "bench_mix64"})
    public String program;

    /** The engine. */
    @Param({"jit", "interp"})
    public String engine;

    private Execution execution;
    private byte[] memory;
    private long expected;

    /** Loads the program and checks its result once. */
    @Setup(Level.Trial)
    public void setUp() {
        DataFile file = BenchPrograms.load(program);
        Engine e = switch (engine) {
            case "jit" -> Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);
            case "interp" -> Interpreter.INSTANCE;
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        };
        VmProgram loaded = VmProgram.load(program, file.code(), VmOptions.defaults().withEngine(e));
        execution = loaded.newExecution();
        memory = file.memory().orElse(null);
        expected = file.expectedResult().orElseThrow();
        check();
    }

    /** Checks that the result is right (a wrong engine must not look fast). */
    @TearDown(Level.Trial)
    public void check() {
        long r0 = execution.runWithMemory(memory);
        if (r0 != expected) {
            throw new IllegalStateException(program + " on " + engine + " returned 0x" + Long.toHexString(r0)
                    + ", expected 0x" + Long.toHexString(expected));
        }
    }

    /** One run, including copying the input memory as BPF_PROG_TEST_RUN does. */
    @Benchmark
    public long run() {
        return execution.runWithMemory(memory);
    }
}
