package org.bpf4j.oracle;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Disassembler;
import org.bpf4j.linux.Kernel;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.vm.VmProgram;

/**
 * A differential campaign over generated programs. For each program: bpf4j's verifier gives a
 * verdict; the kernel (when used) gives its verdict by loading it; a program the kernel accepts is
 * run in the kernel, on the interpreter and on the JIT, and the three {@link Observation}s must be
 * equal; a program bpf4j's verifier accepts must not trap on the interpreter (soundness). Every
 * difference is a {@link Finding}, minimized and, with an output directory, saved as a file in the
 * verifier-case format (see {@link #caseText}).
 *
 * <p>Not thread-safe. Owns kernel and VM maps: close it.
 */
public final class Campaign implements AutoCloseable {
    /**
     * What to run.
     *
     * @param seed the generator's seed
     * @param first the number of the first program
     * @param count how many programs
     * @param rejectPercent the share of programs generated in the reject mode, 0-100
     * @param kernel whether to use the kernel (verdicts and runs); false for VM-only soundness runs
     * @param jit whether to run the JIT as well as the interpreter
     * @param minimize whether to minimize findings
     * @param out where to write findings, if anywhere
     * @param xdpPercent the share of programs generated as XDP programs (direct packet access,
     *     {@code data_out} compared), 0-100; the others are socket filters
     */
    public record Options(long seed, long first, int count, int rejectPercent, boolean kernel, boolean jit,
            boolean minimize, Optional<Path> out, int xdpPercent) {
        /** Checks the components. */
        public Options {
            Objects.requireNonNull(out, "out");
            if (rejectPercent < 0 || rejectPercent > 100 || count < 0) {
                throw new IllegalArgumentException("reject percent 0-100 and a count >= 0");
            }
            if (xdpPercent < 0 || xdpPercent > 100) {
                throw new IllegalArgumentException("XDP percent 0-100");
            }
        }

        /** Socket filters only. */
        public Options(long seed, long first, int count, int rejectPercent, boolean kernel, boolean jit,
                boolean minimize, Optional<Path> out) {
            this(seed, first, count, rejectPercent, kernel, jit, minimize, out, 0);
        }

        /** Whether program {@code n} is an XDP program. */
        public boolean xdp(long n) {
            return Math.floorMod(n * 53 + 29, 100) < xdpPercent;
        }
    }

    /**
     * A difference found.
     *
     * @param kind {@code vm-kernel}, {@code jit-interp}, {@code vm-refused}, {@code unsound-verdict}
     *     (bpf4j accepts what the kernel rejects), {@code kernel-rejects-generated} (an accept-mode program the kernel refuses: a generator bug), {@code incomplete-verdict} (bpf4j rejects what the
     *     kernel accepts), {@code trap-after-accept}, {@code verifier-error} or {@code harness-error}
     * @param program the program, minimized when the campaign minimizes
     * @param detail the observations or verdicts that differ
     */
    public record Finding(String kind, GeneratedProgram program, String detail) {}

    /** What one program gave. */
    record Examination(GeneratedProgram program, String bpf4j, boolean bpf4jAccepts, String kernel,
            Boolean kernelAccepts, boolean compared, boolean soundnessRun, Map<String, String> findings) {}

    /** The figures of a finished campaign. */
    public record Report(int programs, int rejectMode, int xdp, Map<String, Integer> verdicts, int compared, int soundnessRuns,
            Map<String, Integer> findingsByKind, List<Finding> findings, Map<String, Integer> kernelReasons,
            long millis) {
        /** A readable summary. */
        public String summary() {
            StringBuilder b = new StringBuilder();
            b.append(String.format("programs %d (%d in reject mode, %d XDP) in %.1f s%n", programs, rejectMode, xdp,
                    millis / 1000.0));
            b.append("verdicts (bpf4j/kernel): ").append(verdicts).append('\n');
            b.append("compared kernel/interpreter/JIT runs: ").append(compared).append('\n');
            b.append("soundness runs (bpf4j accepted, interpreter): ").append(soundnessRuns).append('\n');
            b.append("findings: ").append(findingsByKind.isEmpty() ? "none" : findingsByKind).append('\n');
            if (!kernelReasons.isEmpty()) {
                b.append("kernel rejections by reason:\n");
                kernelReasons.entrySet().stream().sorted((x, y) -> y.getValue() - x.getValue())
                        .forEach(e -> b.append(String.format("  %6d  %s%n", e.getValue(), e.getKey())));
            }
            return b.toString();
        }
    }

    private final Options options;
    private final ProgramGenerator generator;
    private final VmRunner vm = new VmRunner();
    private final KernelRunner kernel;

    /** A campaign; opens the kernel's maps when the options use the kernel. */
    public Campaign(Options options) {
        this.options = options;
        this.generator = new ProgramGenerator(options.seed());
        KernelRunner k = null;
        if (options.kernel()) {
            try {
                k = new KernelRunner(Kernel.system());
            } catch (RuntimeException e) {
                vm.close();
                throw e;
            }
        }
        this.kernel = k;
    }

    /** Runs the campaign, reporting progress to {@code progress} every so often. */
    public Report run(Consumer<String> progress) {
        long start = System.currentTimeMillis();
        Map<String, Integer> verdicts = new TreeMap<>();
        Map<String, Integer> byKind = new TreeMap<>();
        Map<String, Integer> reasons = new TreeMap<>();
        List<Finding> findings = new ArrayList<>();
        int compared = 0;
        int soundness = 0;
        int reject = 0;
        int xdp = 0;
        for (int i = 0; i < options.count(); i++) {
            long n = options.first() + i;
            GeneratedProgram.Mode mode = Math.floorMod(n * 37 + 11, 100) < options.rejectPercent()
                    ? GeneratedProgram.Mode.REJECT : GeneratedProgram.Mode.ACCEPT;
            if (mode == GeneratedProgram.Mode.REJECT) {
                reject++;
            }
            boolean isXdp = options.xdp(n);
            if (isXdp) {
                xdp++;
            }
            GeneratedProgram p = generator.generate(n, mode, isXdp);
            Examination e = examine(p);
            String key = (e.bpf4jAccepts() ? "accept" : "reject") + "/"
                    + (e.kernelAccepts() == null ? "-" : e.kernelAccepts() ? "accept" : "reject");
            verdicts.merge(key, 1, Integer::sum);
            if (Boolean.FALSE.equals(e.kernelAccepts())) {
                reasons.merge(reason(e.kernel()), 1, Integer::sum);
            }
            if (e.compared()) {
                compared++;
            }
            if (e.soundnessRun()) {
                soundness++;
            }
            for (Map.Entry<String, String> f : e.findings().entrySet()) {
                String kind = f.getKey();
                byKind.merge(kind, 1, Integer::sum);
                GeneratedProgram small = options.minimize()
                        ? Minimizer.minimize(p, q -> examine(q).findings().containsKey(kind)) : p;
                Examination again = small == p ? e : examine(small);
                Finding finding = new Finding(kind, small, again.findings().getOrDefault(kind, f.getValue()));
                findings.add(finding);
                options.out().ifPresent(dir -> save(dir, finding, again));
                progress.accept("FINDING " + kind + " in program " + p.id() + " (" + small.liveChunks() + " chunks after "
                        + "minimizing): " + firstLine(finding.detail()));
            }
            if ((i + 1) % 1000 == 0) {
                progress.accept(String.format("%d programs, %.0f s, verdicts %s, findings %s", i + 1,
                        (System.currentTimeMillis() - start) / 1000.0, verdicts, byKind));
            }
        }
        return new Report(options.count(), reject, xdp, verdicts, compared, soundness, byKind, findings, reasons,
                System.currentTimeMillis() - start);
    }

    private static String firstLine(String s) {
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** A kernel rejection's reason with the numbers and register names taken out, for counting. */
    static String reason(String summary) {
        return summary.replaceAll("R\\d+", "R#").replaceAll("-?\\d+", "N").replaceAll("0xN[0-9a-f]*", "N");
    }

    /** Verdicts, runs and findings of one program. */
    Examination examine(GeneratedProgram p) {
        Map<String, String> findings = new LinkedHashMap<>();
        Code code = p.code();
        String bpf4j;
        boolean bpf4jAccepts = false;
        try {
            VerificationResult r = Verifier.verify(new VerifierInput("oracle", code, type(p),
                    Fixture.mapInfos(), true));
            bpf4jAccepts = r.accepted();
            bpf4j = switch (r) {
                case VerificationResult.Accepted a -> "accepted (" + a.processed() + " insns processed)";
                case VerificationResult.Rejected j -> "rejected at insn " + j.slot() + ": " + j.message();
            };
        } catch (RuntimeException | StackOverflowError e) {
            bpf4j = "verifier failed: " + e;
            findings.put("verifier-error", bpf4j);
        }
        String kernelVerdict = null;
        Boolean kernelAccepts = null;
        boolean compared = false;
        Observation interp = null;
        if (kernel != null) {
            KernelRunner.Verdict v = kernel.load(code, type(p));
            switch (v) {
                case KernelRunner.Rejected r -> {
                    kernelAccepts = false;
                    kernelVerdict = "rejected: " + r.summary();
                    if (p.mode() == GeneratedProgram.Mode.ACCEPT) {
                        String[] lines = r.log().split("\n");
                        findings.put("kernel-rejects-generated", kernelVerdict + "\nend of the kernel's log:\n"
                                + String.join("\n", java.util.Arrays.copyOfRange(lines, Math.max(0, lines.length - 12),
                                        lines.length)));
                    }
                }
                case KernelRunner.Accepted a -> {
                    kernelAccepts = true;
                    kernelVerdict = "accepted";
                    try (a) {
                        if (p.mode() == GeneratedProgram.Mode.ACCEPT) {
                            Observation k = kernel.run(a.program(), p.input(), p.packet());
                            interp = runVm(p, VmRunner.interpreter(), findings);
                            compared = true;
                            if (interp != null && !k.describe().equals(interp.describe())) {
                                findings.put("vm-kernel", "kernel:\n" + k.describe() + "\ninterpreter:\n" + interp.describe()
                                        + "\ndiffer in " + k.differences(interp));
                            }
                            if (options.jit() && interp != null) {
                                Observation j = runVm(p, VmRunner.JIT, findings);
                                if (j != null && !j.describe().equals(interp.describe())) {
                                    findings.put("jit-interp", "interpreter:\n" + interp.describe() + "\njit:\n"
                                            + j.describe() + "\ndiffer in " + interp.differences(j));
                                }
                            }
                        }
                    }
                }
            }
            if (bpf4jAccepts && !kernelAccepts && !findings.containsKey("verifier-error")) {
                findings.put("unsound-verdict", "bpf4j " + bpf4j + "\nkernel " + kernelVerdict);
            } else if (!bpf4jAccepts && kernelAccepts && !findings.containsKey("verifier-error")) {
                findings.put("incomplete-verdict", "bpf4j " + bpf4j + "\nkernel " + kernelVerdict);
            }
        }
        boolean soundness = false;
        if (bpf4jAccepts) {
            soundness = true;
            if (interp == null) {
                interp = runVm(p, VmRunner.interpreter(), findings);
            }
            if (interp != null && (interp.end().startsWith("trap") || interp.end().startsWith("error"))) {
                findings.put("trap-after-accept", "bpf4j " + bpf4j + "\ninterpreter: " + interp.end());
            }
        }
        return new Examination(p, bpf4j, bpf4jAccepts, kernelVerdict, kernelAccepts, compared, soundness, findings);
    }

    private Observation runVm(GeneratedProgram p, org.bpf4j.vm.Engine engine, Map<String, String> findings) {
        VmProgram prog;
        try {
            prog = vm.load(p.code(), engine);
        } catch (Bpf4jException e) {
            findings.put("vm-refused", engine.name() + " refused the program: " + e.getMessage());
            return null;
        }
        return vm.run(prog, p.input(), p.packet());
    }

    private static ProgramType type(GeneratedProgram p) {
        return p.xdp() ? ProgramType.XDP : ProgramType.SOCKET_FILTER;
    }

    /**
     * A finding as a case in the verifier-case format ({@code bpf4j-verifier}'s
     * {@code verifier-cases/*.txt}): comments with the program's id, hazard, input and both
     * verdicts; the maps; the kernel's verdict as the expectation; the assembly.
     */
    static String caseText(Finding f, Examination e) {
        StringBuilder b = new StringBuilder();
        GeneratedProgram p = f.program();
        b.append("=== ").append(f.kind()).append(' ').append(p.id()).append(p.hazard().isEmpty() ? "" : " " + p.hazard())
                .append('\n');
        for (String l : f.detail().split("\n")) {
            b.append("# ").append(l).append('\n');
        }
        b.append("# input: ").append(Observation.hex(p.input())).append('\n');
        if (p.xdp()) {
            b.append("# program type: xdp\n# packet: ").append(Observation.hex(p.packet())).append('\n');
        }
        for (Fixture.MapDef d : Fixture.MAPS) {
            b.append("map: ").append(d.name()).append(' ').append(d.type().name().toLowerCase(java.util.Locale.ROOT))
                    .append(' ').append(d.keySize()).append(' ').append(d.valueSize()).append(' ')
                    .append(d.maxEntries()).append('\n');
        }
        if (e.kernelAccepts() != null) {
            b.append("expect: ").append(e.kernelAccepts() ? "accept" : "reject").append('\n');
            if (!e.kernelAccepts()) {
                b.append("error: ").append(e.kernel().substring("rejected: ".length())).append('\n');
            }
        } else {
            b.append("# no kernel verdict\nexpect: ").append(e.bpf4jAccepts() ? "accept" : "reject").append('\n');
        }
        b.append("---\n").append(Disassembler.toAssembly(p.code()));
        return b.toString();
    }

    private static void save(Path dir, Finding f, Examination e) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve(f.kind() + "-" + f.program().id().replace('/', '-') + ".txt"), caseText(f, e));
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    /** Closes the VM's and the kernel's maps. */
    @Override
    public void close() {
        vm.close();
        if (kernel != null) {
            kernel.close();
        }
    }
}
