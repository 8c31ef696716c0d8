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

    /** A packet program's run on every engine: the interpreter's first, then each JIT's, by engine name. */
    record PacketResult(boolean refused, boolean verified, java.util.Map<String, FuzzWorld.Outcome> outcomes) {
        boolean agrees() {
            return refused || outcomes.values().stream().map(Object::toString).distinct().count() == 1;
        }

        FuzzWorld.Outcome interpreter() {
            return outcomes.get("interpreter");
        }

        String describe() {
            StringBuilder b = new StringBuilder(verified ? "(accepted by the verifier)\n" : "");
            outcomes.forEach((k, v) -> b.append(k).append(": ").append(v).append('\n'));
            return b.toString();
        }
    }

    /**
     * Runs a packet program as {@code BPF_PROG_TEST_RUN} does ({@link FuzzWorld#testRun}) on the
     * interpreter, the JIT, the JIT splitting every function into chunks and, when bpf4j's
     * verifier accepts the program as a program of {@code type} over the world's maps, the JIT
     * with the verifier's facts (accesses it proved in bounds compiled without checks). A verified
     * program runs without an instruction budget on every engine (the verifier proved that it
     * ends), as {@code bpf4j run} runs it; another one under {@code budget}.
     */
    static PacketResult comparePacket(FuzzWorld world, org.bpf4j.isa.Code code, org.bpf4j.spec.ProgramType type,
            java.util.List<org.bpf4j.verifier.GlobalFunction> globals, org.bpf4j.vm.run.TestRunInput input, long budget) {
        org.bpf4j.verifier.VerificationResult v = org.bpf4j.verifier.Verifier.verify(
                new org.bpf4j.verifier.VerifierInput("fuzz", code, type, world.mapInfos(), true, globals));
        boolean verified = v instanceof org.bpf4j.verifier.VerificationResult.Accepted;
        long b = verified ? Long.MAX_VALUE : budget;
        java.util.Map<String, org.bpf4j.vm.Engine> engines = new java.util.LinkedHashMap<>();
        engines.put("interpreter", Interpreter.INSTANCE);
        engines.put("jit", JIT);
        engines.put("splitting jit", SPLITTING_JIT);
        if (v instanceof org.bpf4j.verifier.VerificationResult.Accepted a) {
            engines.put("jit with facts", JIT.withFacts(code, a.facts()));
        }
        java.util.Map<String, FuzzWorld.Outcome> outcomes = new java.util.LinkedHashMap<>();
        for (var e : engines.entrySet()) {
            VmProgram p;
            try {
                p = world.load(code, e.getValue(), b);
            } catch (JitCompilationException ex) {
                outcomes.put(e.getKey(), new FuzzWorld.Outcome("compilation failed: " + ex.getMessage(), -1, ""));
                continue;
            } catch (UnsupportedFeatureException ex) {
                if (e.getKey().equals("interpreter")) {
                    return new PacketResult(true, verified, outcomes);
                }
                outcomes.put(e.getKey(), new FuzzWorld.Outcome("refused at load: " + ex.getMessage(), -1, ""));
                continue;
            }
            outcomes.put(e.getKey(), world.testRun(p, type, input, b));
        }
        return new PacketResult(false, verified, outcomes);
    }

    /**
     * Writes a packet reproducer: the raw words, the program type, the global functions (a line
     * {@code SLOT NAME} each, their one parameter the context), the packet, the context and the budget.
     */
    static Path savePacket(Path dir, String name, String comment, org.bpf4j.isa.Code code,
            org.bpf4j.spec.ProgramType type, java.util.List<org.bpf4j.verifier.GlobalFunction> globals,
            org.bpf4j.vm.run.TestRunInput input, long budget) {
        Path file = save(dir, name, comment, code, input.data(), budget);
        StringBuilder b = new StringBuilder("-- type\n").append(type.kernelName()).append('\n');
        if (!globals.isEmpty()) {
            b.append("-- globals\n");
            globals.forEach(g -> b.append(g.slot()).append(' ').append(g.name()).append('\n'));
        }
        input.context().ifPresent(c -> b.append("-- ctx\n").append(HexFormat.ofDelimiter(" ").formatHex(c)).append('\n'));
        try {
            Files.writeString(file, b.toString(), java.nio.file.StandardOpenOption.APPEND);
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
