package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j run FILE}: runs a program once and prints R0, optionally timing repeated runs. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs a program and prints r0 = 0x<hex> (64 bits, lower case).",
            "R1 points to a writable copy of the input memory and R2 holds its length "
                + "(both 0 without memory), as in the conformance suite."})
final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE",
            description = "a .data file (its -- mem is the input memory), assembly (.s, .asm or other text) "
                    + "or raw instructions")
    private Path file;

    @Mixin
    private EngineOptions engine;

    @Option(names = "--mem", paramLabel = "HEX",
            description = "the input memory as hexadecimal bytes, such as \"00 01 ff\" or 0001ff "
                    + "(replaces the -- mem of a .data file)")
    private String mem;

    private Integer repeat;

    @Option(names = "--repeat", paramLabel = "N",
            description = "after a warm-up, time N more runs and print the median ns/run (and "
                    + "instructions/run and ns/insn where the engine counts instructions)")
    void repeat(int n) {
        if (n <= 0) {
            throw new ParameterException(spec.commandLine(), "--repeat must be positive, not " + n);
        }
        repeat = n;
    }

    @Override
    public Integer call() {
        ProgramFile program = ProgramFile.read(file);
        byte[] memory = mem != null ? HexBytes.parse(mem, "--mem") : program.memory();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (program.code().size() == 0) {
                throw new MalformedInputException("the program has no instructions");
            }
            try (Backend.Runner runner = engine.engine().load(file.getFileName().toString(), program.code(),
                    engine.budget())) {
                runAndPrint(runner, memory, out);
            }
        } catch (Bpf4jException e) {
            throw CommandFailure.about(program.name(), e);
        }
        return Main.EXIT_OK;
    }

    private void runAndPrint(Backend.Runner runner, byte[] memory, PrintWriter out) {
        long r0 = runner.run(memory);
        out.println("r0 = 0x" + Long.toHexString(r0));
        out.flush();
        if (repeat != null) {
            Repeat.Result result = Repeat.measure(runner, memory, repeat);
            out.println("ns/run: " + String.format(Locale.ROOT, "%.1f", result.medianNanos()));
            result.instructions().ifPresent(i -> out.println("instructions/run: " + i));
            result.nanosPerInstruction().ifPresent(
                    ns -> out.println("ns/insn: " + String.format(Locale.ROOT, "%.2f", ns)));
            out.flush();
        }
    }
}
