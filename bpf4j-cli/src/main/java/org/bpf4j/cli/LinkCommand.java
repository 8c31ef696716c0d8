package org.bpf4j.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

/** {@code bpf4j link}: the kernel's links, as bpftool's {@code link} verbs. On its own it prints its usage. */
@Command(name = "link", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Kernel links (attached programs).",
        subcommands = {LinkListCommand.class, HelpCommand.class})
final class LinkCommand implements Callable<Integer> {
    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }
}
