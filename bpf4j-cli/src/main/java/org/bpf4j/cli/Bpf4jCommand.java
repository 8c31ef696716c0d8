package org.bpf4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/** The top-level {@code bpf4j} command; on its own it prints its usage. */
@Command(name = "bpf4j", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "eBPF for the JVM: assemble, disassemble and run eBPF programs.",
        subcommands = {AsmCommand.class, DisasmCommand.class, RunCommand.class, ObjectCommand.class,
            LinkCommand.class, BtfCommand.class,
            ConformanceCommand.class, ProgCommand.class, MapCommand.class, FeatureCommand.class, TraceCommand.class,
            VerifyCommand.class, HelpCommand.class},
        footer = {"", "Exit status: 0 success; 1 the program trapped or a test failed; "
                + "2 malformed input or a usage error; 3 an internal error."})
final class Bpf4jCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "print the stack trace behind an error (for bug reports)")
    boolean debug;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }
}
