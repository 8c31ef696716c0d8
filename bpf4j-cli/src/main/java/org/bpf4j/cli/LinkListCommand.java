package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.bpf4j.linux.link.LinkInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code bpf4j link list}: the links in the kernel, one line each, as bpftool prints their first line. */
@Command(name = "list", aliases = "show", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the kernel's links: ID: TYPE  prog PROG_ID")
final class LinkListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        for (LinkInfo l : LinkInfo.list(KernelAccess.kernel().bpf())) {
            out.println(l.id() + ": " + l.typeName() + "  prog " + l.programId());
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
