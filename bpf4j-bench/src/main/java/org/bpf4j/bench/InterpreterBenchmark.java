package org.bpf4j.bench;

import java.util.concurrent.TimeUnit;
import org.bpf4j.isa.DataFile;
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
 * Time per run of the four programs of {@code ../shared/bench} on each VM engine; compare with
 * the anchors in {@code ../shared/bench/README.md} (uBPF's interpreter and JIT, the kernel JIT),
 * and divide by the dynamic instruction counts given there for ns per instruction.
 *
 * <p>Run from the repository root:
 * <pre>
 * ./mvnw -B -q -DskipTests package -pl bpf4j-bench -am
 * java -jar bpf4j-bench/target/benchmarks.jar InterpreterBenchmark
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 2)
public class InterpreterBenchmark {
    /** The benchmark program, a file name in {@code ../shared/bench} without {@code .data}. */
    @Param({"bench_empty", "bench_sum_loop", "bench_checksum", "bench_mix64"})
    public String program;

    /** The engine. */
    @Param({"interp"})
    public String engine;

    private Execution execution;
    private long expected;

    /** Loads the program and checks its result once. */
    @Setup(Level.Trial)
    public void setUp() {
        DataFile file = BenchPrograms.load(program);
        VmOptions options = switch (engine) {
            case "interp" -> VmOptions.defaults().withEngine(Interpreter.INSTANCE);
            default -> throw new IllegalArgumentException("unknown engine " + engine);
        };
        VmProgram loaded = VmProgram.load(program, file.code(), options);
        execution = loaded.newExecution();
        expected = file.expectedResult().orElseThrow();
        long r0 = execution.runWithMemory(file.memory().orElse(null));
        if (r0 != expected) {
            throw new IllegalStateException(program + " returned 0x" + Long.toHexString(r0) + ", expected 0x"
                    + Long.toHexString(expected));
        }

        memory = file.memory().orElse(null);
    }

    private byte[] memory;

    /** Checks that the last result is still right (a wrong engine must not look fast). */
    @TearDown(Level.Trial)
    public void check() {
        long r0 = execution.runWithMemory(memory);
        if (r0 != expected) {
            throw new IllegalStateException(program + " went wrong during the benchmark");
        }
    }

    /** One run, including copying the input memory as BPF_PROG_TEST_RUN does. */
    @Benchmark
    public long run() {
        return execution.runWithMemory(memory);
    }
}
