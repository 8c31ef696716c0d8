package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.link.LinkInfo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j link show [id N] [--json]}: the links in the kernel, one line each, as bpftool prints their first line. */
@Command(name = "show", aliases = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the kernel's links (or one, with 'id N'): ID: TYPE  prog PROG_ID")
final class LinkListCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "id N", arity = "0..2", description = "only the link with this id")
    private List<String> which = List.of();

    @Option(names = "--json", description = "print a JSON array of objects, one per link")
    private boolean json;

    @Override
    public Integer call() {
        List<LinkInfo> links = KernelCalls.shown("link show", which, KernelIds.Kind.LINK, LinkInfo::of);
        PrintWriter out = spec.commandLine().getOut();
        List<Object> all = new ArrayList<>();
        for (LinkInfo l : links) {
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("id", l.id());
                m.put("type", l.typeName());
                m.put("prog_id", l.programId());
                all.add(m);
            } else {
                out.println(l.id() + ": " + l.typeName() + "  prog " + l.programId());
            }
        }
        if (json) {
            out.print(Json.write(which.isEmpty() ? all : all.get(0)));
        }
        out.flush();
        return Main.EXIT_OK;
    }
}
