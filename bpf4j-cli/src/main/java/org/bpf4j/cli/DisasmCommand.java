package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Disassembler;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/** {@code bpf4j disasm FILE [--syntax objdump|asm]}: lists a program. */
@Command(name = "disasm", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Lists a program: like llvm-objdump -d, or as assembly text that asm takes back.",
            "For an object file, each program with its BTF source lines interleaved (as llvm-objdump -S)."})
final class DisasmCommand implements Callable<Integer> {
    /** The listing styles. */
    enum Syntax {
        /** The listing of {@code llvm-objdump -d}: slot, raw bytes, LLVM syntax. */
        OBJDUMP,
        /** The conformance suite's assembly, which {@code bpf4j asm} assembles back. */
        ASM;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** Converts a {@code --syntax} value by its lower-case name. */
        static final class Converter implements ITypeConverter<Syntax> {
            @Override
            public Syntax convert(String value) {
                for (Syntax s : values()) {
                    if (s.toString().equals(value)) {
                        return s;
                    }
                }
                throw new TypeConversionException("unknown syntax '" + value + "' (valid: "
                        + Arrays.stream(values()).map(Syntax::toString).collect(Collectors.joining(", ")) + ")");
            }
        }
    }

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE",
            description = "an eBPF object file (.o), raw instructions (a multiple of 8 bytes), a .data file or "
                    + "assembly (.s, .asm)")
    private Path file;

    @Option(names = "--syntax", paramLabel = "SYNTAX", defaultValue = "objdump", converter = Syntax.Converter.class,
            description = "objdump (llvm-objdump -d style) or asm (re-assemblable); default: ${DEFAULT-VALUE}")
    private Syntax syntax;

    @Option(names = "--prog", paramLabel = "NAME",
            description = "for an object file: list only this program (default: every program)")
    private String prog;

    @Override
    public Integer call() {
        byte[] bytes = ProgramFile.readBytes(file);
        if (ObjectFiles.isElf(bytes)) {
            spec.commandLine().getOut().print(ObjectListing.list(file, ObjectFiles.parse(file, bytes), prog, syntax));
            spec.commandLine().getOut().flush();
            return Main.EXIT_OK;
        }
        if (prog != null) {
            throw CommandFailure.badInput(file + ": --prog applies to object files only");
        }
        ProgramFile program = ProgramFile.read(file);
        Code code = program.code();
        String text;
        try {
            text = switch (syntax) {
                case OBJDUMP -> Disassembler.toObjdump(code);
                case ASM -> Disassembler.toAssembly(code);
            };
        } catch (IllegalArgumentException e) {
            throw CommandFailure.about(program.name(), new UnsupportedFeatureException(e.getMessage()));
        }
        spec.commandLine().getOut().print(text);
        spec.commandLine().getOut().flush();
        return Main.EXIT_OK;
    }
}
