package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.Features;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bpf4j feature probe}: what the running kernel supports, printed as {@code bpftool feature probe} prints it. */
@Command(name = "feature", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Probes the running kernel's eBPF features (needs root or CAP_BPF).",
        subcommands = {FeatureCommand.Probe.class, HelpCommand.class})
final class FeatureCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }

    /** {@code bpf4j feature probe}. */
    @Command(name = "probe", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Prints which program types, map types and (per program type) helpers the kernel "
                    + "supports, in bpftool's words.",
                "Program types that need an attach target (tracing, lsm, ext, struct_ops) have no helper list."})
    static final class Probe implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Option(names = "--no-helpers", description = "skip the helper scan (one load per helper and program type)")
        private boolean noHelpers;

        @Override
        public Integer call() {
            Features f = new Features(KernelAccess.kernel());
            PrintWriter out = spec.commandLine().getOut();
            out.println("Scanning eBPF program types...");
            Map<ProgramType, Boolean> progs = f.programTypes();
            progs.forEach((t, ok) -> out.println("eBPF program_type " + t.kernelName() + " is "
                    + (ok ? "" : "NOT ") + "available"));
            out.println();
            out.println("Scanning eBPF map types...");
            f.mapTypes().forEach((t, ok) -> out.println("eBPF map_type " + t.kernelName() + " is "
                    + (ok ? "" : "NOT ") + "available"));
            out.flush();
            if (!noHelpers) {
                out.println();
                out.println("Scanning eBPF helper functions...");
                progs.forEach((t, ok) -> {
                    if (ok && Features.helpersProbeable(t)) {
                        out.println("eBPF helpers supported for program type " + t.kernelName() + ":");
                        for (HelperSpec h : f.helpers(t)) {
                            out.println("\t- " + h.kernelName());
                        }
                        out.flush();
                    }
                });
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
