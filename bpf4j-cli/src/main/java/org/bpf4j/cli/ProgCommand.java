package org.bpf4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bpf4j prog}: programs in the kernel, as bpftool's {@code prog} verbs. On its own it prints its usage. */
@Command(name = "prog", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Loads programs into the kernel, lists the loaded ones, dumps their code and test-runs them (needs root or CAP_BPF).",
        subcommands = {ProgLoadCommand.class, ProgListCommand.class, ProgDumpCommand.class, ProgRunCommand.class,
            HelpCommand.class})
final class ProgCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }
}
