package org.bpf4j.linux;

import java.util.Objects;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.ProgramType;

/**
 * A program loaded into the kernel, open through a file descriptor. {@link #testRun} runs it with
 * {@code BPF_PROG_TEST_RUN} for the program types that support it.
 *
 * <p>Owns its descriptor: {@link #close()} releases it (the kernel unloads the program when no
 * link, pin, program array or descriptor holds it). Thread-safe.
 */
public final class KernelProgram implements AutoCloseable {
    private final Bpf bpf;
    private final Fd fd;
    private final String name;
    private final ProgramType type;

    /** Wraps a program descriptor, which this object then owns. */
    public KernelProgram(Bpf bpf, Fd fd, String name, ProgramType type) {
        this.bpf = Objects.requireNonNull(bpf, "bpf");
        this.fd = Objects.requireNonNull(fd, "fd");
        this.name = Objects.requireNonNull(name, "name");
        this.type = Objects.requireNonNull(type, "type");
    }

    /** The program's name (its function's name). */
    public String name() {
        return name;
    }

    /** The program type it was loaded as. */
    public ProgramType type() {
        return type;
    }

    /** The descriptor's number, valid until {@link #close()}. */
    public int fd() {
        return fd.value();
    }

    /**
     * The input of one {@code BPF_PROG_TEST_RUN}.
     *
     * @param dataIn the packet (or other input data); null for none
     * @param dataOutSize room for the packet after the run (0: none)
     * @param ctxIn the context to start from; null for the kernel's default
     * @param ctxOutSize room for the context after the run (0: none)
     * @param repeat how many runs (at least 1); the duration is their mean
     * @param flags {@code BPF_F_TEST_*} flags
     */
    public record TestRun(byte[] dataIn, int dataOutSize, byte[] ctxIn, int ctxOutSize, int repeat, int flags) {
        /** A run over a packet with room for the packet after the run. */
        public static TestRun ofData(byte[] data) {
            return new TestRun(data, data.length + 256, null, 0, 1, 0);
        }
    }

    /**
     * The outcome of a test run.
     *
     * @param retval the program's return value (the low 32 bits of r0)
     * @param durationNanos the mean run time in nanoseconds
     * @param dataOut the packet after the run
     * @param ctxOut the context after the run
     */
    public record TestRunResult(int retval, int durationNanos, byte[] dataOut, byte[] ctxOut) {
    }

    /** Runs the program in the kernel with {@code BPF_PROG_TEST_RUN}. */
    public TestRunResult testRun(TestRun run) {
        Bpf.TestRunResult r = bpf.progTestRun(new Bpf.TestRun(fd.value(), run.dataIn(), run.dataOutSize(),
                run.ctxIn(), run.ctxOutSize(), Math.max(1, run.repeat()), run.flags(), 0, 0));
        return new TestRunResult(r.retval(), r.durationNanos(), r.dataOut(), r.ctxOut());
    }

    /** Pins the program at a path in a bpf file system. */
    public void pin(String path) {
        bpf.objPin(fd.value(), path);
    }

    /** The program's kernel id. */
    public int id() {
        return info().id();
    }

    /** What the kernel says about the program. */
    public KernelInfo.ProgramInfo info() {
        return KernelInfo.programInfo(bpf, fd.value());
    }

    /** Closes the descriptor; later calls do nothing. */
    @Override
    public void close() {
        fd.close();
    }

    @Override
    public String toString() {
        return "program '" + name + "' (" + type.kernelName() + ")";
    }
}
