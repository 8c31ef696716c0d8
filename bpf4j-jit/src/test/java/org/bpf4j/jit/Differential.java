package org.bpf4j.jit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmProgram;

/** Runs one program on the interpreter and on the JIT in a {@link FuzzWorld} and compares everything. */
final class Differential {
    private Differential() {}

    static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);
    /** The JIT splitting every function of more than a few instructions into chunks. */
    static final Jit SPLITTING_JIT = JIT.withMethodLimit(300);

    /** How a comparison came out. */
    record Result(boolean refused, FuzzWorld.Outcome interpreter, FuzzWorld.Outcome jit) {
        boolean agrees() {
            return refused || interpreter.toString().equals(jit.toString());
        }

        String describe() {
            return "interpreter: " + interpreter + "\njit:         " + jit;
        }
    }

    /**
     * Compares the engines on a program. A program the VM refuses to load (an unknown helper) is
     * refused by both, since loading checks it before the engine sees it.
     */
    static Result compare(FuzzWorld world, Code code, byte[] memory, long budget, Jit engine) {
        VmProgram interp;
        try {
            interp = world.load(code, Interpreter.INSTANCE, budget);
        } catch (UnsupportedFeatureException e) {
            return new Result(true, null, null);
        }
        FuzzWorld.Outcome a = world.run(interp, memory, budget);
        VmProgram jit;
        try {
            jit = world.load(code, engine, budget);
        } catch (JitCompilationException e) {
            return new Result(false, a, new FuzzWorld.Outcome("compilation failed: " + e.getMessage(), -1, ""));
        }
        FuzzWorld.Outcome b = world.run(jit, memory, budget);
        return new Result(false, a, b);
    }

    /** Writes a reproducer in the {@code .data} format (raw words, memory, budget) and returns its path. */
    static Path save(Path dir, String name, String comment, Code code, byte[] memory, long budget) {
        StringBuilder b = new StringBuilder();
        for (String line : comment.split("\n")) {
            b.append("# ").append(line).append('\n');
        }
        b.append("-- raw\n");
        for (long w : code.toWords()) {
            b.append(String.format("0x%016x%n", w));
        }
        b.append("-- mem\n");
        String hex = HexFormat.ofDelimiter(" ").formatHex(memory);
        for (int i = 0; i < hex.length(); i += 48) {
            b.append(hex, i, Math.min(hex.length(), i + 47)).append('\n');
        }
        b.append("-- budget\n").append(budget).append('\n');
        try {
            Files.createDirectories(dir);
            Path file = dir.resolve(name + ".data");
            Files.writeString(file, b.toString());
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
