package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Code;
import org.bpf4j.linux.KernelRelease;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.BtfKernelTypes;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.objects.ObjectInputs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j verify FILE [--prog NAME] [--type TYPE] [--btf FILE] [--log-level 0|1|2] [--json]}. */
@Command(name = "verify", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Verifies eBPF programs with the Linux verifier's rules for a privileged loader.",
            "Prints one line per program: NAME: accepted (N insns processed), or NAME: rejected at insn I: MESSAGE."},
        footer = {"", "Exit status: 0 all accepted; 1 a program was rejected; 2 malformed input; 3 internal error."})
final class VerifyCommand implements Callable<Integer> {

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "an ELF object (.o), a .data file or assembly (.s, .asm)")
    private Path file;

    @Option(names = "--prog", paramLabel = "NAME", description = "verify only this program of an object")
    private String prog;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "program type (xdp, sched_cls, kprobe, ...); default: from the section name, "
                    + "socket_filter for assembly")
    private String type;

    @Option(names = "--log-level", paramLabel = "N", defaultValue = "0",
            description = "0 none, 1 instructions and branches, 2 also the state at each instruction")
    private int logLevel;

    @Option(names = "--json", description = "print one JSON object per program")
    private boolean json;

    @Option(names = "--btf", paramLabel = "FILE",
            description = "the kernel's BTF (a vmlinux BTF file, such as a copy of /sys/kernel/btf/vmlinux), which "
                    + "kfuncs on kernel objects and reads of kernel structures need; default: "
                    + "/sys/kernel/btf/vmlinux when present, and then an object's __kconfig externs take the "
                    + "running kernel's values, as libbpf gives them (with --btf they are 0)")
    private Path btf;

    /** The kernel's types: --btf (read now, so that a bad file is reported), the running kernel's, or none. */
    private KernelTypes kernelTypes() {
        if (btf != null) {
            try {
                return BtfKernelTypes.load(btf);
            } catch (Bpf4jException e) {
                throw CommandFailure.about(btf.toString(), e);
            }
        }
        return Files.isReadable(BtfKernelTypes.SYSTEM_VMLINUX)
                ? BtfKernelTypes.lazy(BtfKernelTypes.SYSTEM_VMLINUX)
                : KernelTypes.NONE;
    }

    private record Job(String name, VerifierInput input, ProgramSpec spec) {
    }

    @Override
    public Integer call() {
        if (logLevel < 0 || logLevel > 2) {
            throw CommandFailure.badInput("--log-level must be 0, 1 or 2, not " + logLevel);
        }
        Optional<ProgramType> forced = Optional.empty();
        if (type != null) {
            forced = Optional.of(ProgramType.byName(type).orElseThrow(
                    () -> CommandFailure.badInput("unknown program type '" + type + "'")));
        }
        byte[] bytes = ProgramFile.readBytes(file);
        KernelTypes kernel = kernelTypes();
        List<Job> jobs = new ArrayList<>();
        if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
            ObjectSpec obj;
            try {
                obj = ObjectFile.parse(bytes, file.toString());
                if (btf == null && kernel != KernelTypes.NONE) {
                    obj = runningKernelKconfig(obj);
                }
            } catch (Bpf4jException e) {
                throw CommandFailure.about(file.toString(), e);
            }
            for (ProgramSpec p : obj.programs()) {
                if (prog != null && !p.name().equals(prog)) {
                    continue;
                }
                ProgramSpec linked;
                try {
                    linked = obj.linkedProgram(p.name());
                } catch (Bpf4jException e) {
                    throw CommandFailure.about(file.toString(), e);
                }
                ProgramType t = forced.or(p::programType).orElseThrow(() -> CommandFailure.badInput(file + ": program '"
                        + p.name() + "' in section '" + p.sectionName() + "' has no known program type; give --type"));
                try {
                    jobs.add(new Job(p.name(), ObjectInputs.input(obj, linked, t, kernel), linked));
                } catch (Bpf4jException e) {
                    throw CommandFailure.about(file.toString(), e);
                }
            }
            if (prog != null && jobs.isEmpty()) {
                throw CommandFailure.badInput(file + ": no program '" + prog + "'");
            }
        } else {
            ProgramFile pf = ProgramFile.read(file);
            Code code = pf.code();
            String name = file.getFileName().toString();
            VerifierInput in = new VerifierInput(name, code, forced.orElse(ProgramType.SOCKET_FILTER), List.of(), true)
                    .withKernelTypes(kernel);
            if (pf.data().isPresent()) {
                // a .data file runs as the conformance suite runs it: R1 its memory, R2 the length
                byte[] mem = pf.memory();
                in = in.withEntryMemory(mem == null ? 0 : mem.length);
            }
            jobs.add(new Job(name, in, null));
        }
        PrintWriter out = spec.commandLine().getOut();
        boolean allAccepted = true;
        for (Job j : jobs) {
            VerificationResult r = Verifier.verify(j.input(), VerifierOptions.defaults().withLogLevel(logLevel));
            allAccepted &= r.accepted();
            if (json) {
                out.println(json(j, r));
                continue;
            }
            if (logLevel > 0) {
                out.print(withSourceLines(r.log(), j.spec()));
            }
            switch (r) {
                case VerificationResult.Accepted a ->
                    out.println(j.name() + ": accepted (" + a.processed() + " insns processed)");
                case VerificationResult.Rejected x -> {
                    String where = x.slot() >= 0 ? " at insn " + x.slot() : "";
                    String line = source(j, x.slot());
                    out.println(j.name() + ": rejected" + where + ": " + firstLine(x.message()) + line);
                }
            }
        }
        out.flush();
        return allAccepted ? Main.EXIT_OK : Main.EXIT_FAILED;
    }

    /**
     * Verified against the running kernel's types, an object's {@code __kconfig} externs take the
     * running kernel's values, as libbpf gives them at load ({@code LINUX_KERNEL_VERSION},
     * {@code CONFIG_*}): programs branch on them, and the verifier prunes the branch the kernel
     * never takes (bcc's biosnoop reads {@code ctx[1]} only before Linux 5.11).
     */
    private static ObjectSpec runningKernelKconfig(ObjectSpec obj) {
        try {
            return KernelRelease.withRunningKernelKconfig(obj);
        } catch (IllegalArgumentException e) {
            throw CommandFailure.badInput(obj.name() + ": " + e.getMessage());
        }
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(nl + 1) + " (" + s.substring(0, nl) + ")";
    }

    private static String source(Job j, int slot) {
        if (j.spec() == null || slot < 0) {
            return "";
        }
        Optional<LineInfo> l = j.spec().lineAt(slot);
        return l.map(li -> " [" + li.position() + ": " + li.sourceLine().strip() + "]").orElse("");
    }


    private static final Pattern INSN_LINE = Pattern.compile("^(\\d+): \\(");

    /**
     * The log with the source line of each instruction that starts one (from the object's BTF line
     * info) before it, as Linux writes them: {@code ; SOURCE @ FILE:LINE}.
     */
    static String withSourceLines(String log, ProgramSpec spec) {
        if (spec == null || log.isEmpty()) {
            return log;
        }
        StringBuilder sb = new StringBuilder();
        LineInfo last = null;
        for (String line : log.split("\n", -1)) {
            Matcher m = INSN_LINE.matcher(line);
            if (m.find()) {
                int slot = Integer.parseInt(m.group(1));
                Optional<LineInfo> li = spec.lineAt(slot);
                if (li.isPresent() && li.get().slot() == slot && !li.get().equals(last)) {
                    last = li.get();
                    String file = last.fileName().substring(last.fileName().lastIndexOf('/') + 1);
                    sb.append("; ").append(last.sourceLine().strip()).append(" @ ").append(file).append(':')
                            .append(last.line()).append('\n');
                }
            }
            sb.append(line).append('\n');
        }
        sb.setLength(sb.length() - 1);
        return sb.toString();
    }

    /**
     * One JSON object: program, type, verdict, processed, peak_states; for a rejection insn,
     * message, state, path and the source line when known; for an acceptance, memory_accesses
     * (the facts the JIT uses: one object per load, store or atomic the verifier reached, with
     * its regions, whether its bounds were proved and its offset range); the log when a level is
     * given.
     */
    private String json(Job j, VerificationResult r) {
        StringBuilder sb = new StringBuilder("{\"program\":").append(quote(j.name())).append(",\"type\":")
                .append(quote(j.input().type().kernelName())).append(",\"verdict\":")
                .append(quote(r.accepted() ? "accepted" : "rejected")).append(",\"processed\":").append(r.processed())
                .append(",\"peak_states\":").append(r.peakStates());
        if (r instanceof VerificationResult.Rejected x) {
            sb.append(",\"insn\":").append(x.slot()).append(",\"message\":").append(quote(x.message()))
                    .append(",\"state\":").append(quote(x.state())).append(",\"path\":").append(x.path());
            j.spec();
            if (j.spec() != null && x.slot() >= 0) {
                j.spec().lineAt(x.slot()).ifPresent(l -> sb.append(",\"source\":").append(quote(l.position()))
                        .append(",\"source_line\":").append(quote(l.sourceLine())));
            }
        }
        if (r instanceof VerificationResult.Accepted a) {
            sb.append(",\"memory_accesses\":[");
            boolean first = true;
            for (int slot = 0; slot < a.facts().slotCount(); slot++) {
                var f = a.facts().at(slot);
                if (f.isEmpty()) {
                    continue;
                }
                sb.append(first ? "" : ",").append("{\"insn\":").append(slot).append(",\"regions\":[");
                first = false;
                boolean firstRegion = true;
                for (var region : f.get().regions()) {
                    sb.append(firstRegion ? "" : ",").append(quote(region.name().toLowerCase(Locale.ROOT)));
                    firstRegion = false;
                }
                sb.append("],\"in_bounds\":").append(f.get().inBounds()).append(",\"offset\":[")
                        .append(f.get().minOffset()).append(',').append(f.get().maxOffset()).append("]}");
            }
            sb.append(']');
        }
        if (logLevel > 0) {
            sb.append(",\"log\":").append(quote(withSourceLines(r.log(), j.spec())));
        }
        return sb.append('}').toString();
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.append('"').toString();
    }
}
