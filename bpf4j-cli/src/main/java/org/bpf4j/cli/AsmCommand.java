package org.bpf4j.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.bpf4j.isa.Code;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j asm IN [-o OUT]}: assembles text into raw instructions. */
@Command(name = "asm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Assembles a program into raw instructions: little-endian 64-bit words, "
                + "as they stand in an ELF section.",
            "The syntax is the conformance suite's: one instruction per line, such as "
                + "'mov %%r0, 1' or 'ldxw %%r2, [%%r1+4]', labels 'name:', '#' comments. "
                + "A .data file gives its program."})
final class AsmCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "IN", description = "the assembly text (.s, .asm) or a .data file")
    private Path input;

    @Option(names = {"-o", "--output"}, paramLabel = "OUT",
            description = "the file to write (default: IN with the extension .bin)")
    private Path output;

    @Override
    public Integer call() {
        Code code = ProgramFile.readText(input).code();
        Path out = output != null ? output : defaultOutput(input);
        try {
            Files.write(out, code.toBytes());
        } catch (IOException e) {
            throw CommandFailure.io(out, "write", e);
        }
        spec.commandLine().getOut().println("wrote " + code.size() + " instructions to " + out);
        return Main.EXIT_OK;
    }

    /** {@code IN} with its extension replaced by {@code .bin} (or {@code .bin} appended). */
    static Path defaultOutput(Path in) {
        String name = in.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        Path out = in.resolveSibling(stem + ".bin");
        return out.equals(in) ? in.resolveSibling(name + ".bin") : out;
    }
}
