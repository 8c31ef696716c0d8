package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.probe.TracepointFormat;
import org.bpf4j.trace.sema.KernelTypes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Small programs with the verdict bpftrace gives them: accepted, or refused with a message. The
 * cases are the {@code trace/cases/*.cases} files (format below), written from the kinds of
 * programs bpftrace's own parser and type checker unit tests try. Each program is compiled in
 * process for {@link AttachPoints.Target#CHECK} (kernel functions' probes are checked for their form,
 * never looked up) against {@link MockProbes}: a made-up machine with a few tracepoints, and the
 * functions and USDT probes of {@code /bin/sh}. No compile may throw; the verdict must be the
 * expected one; a refusal's rendered diagnostics must contain the expected text.
 *
 * <p>The format: a case starts with a line {@code === NAME [FLAG...]}, then the program's lines,
 * then {@code --- accept} or {@code --- reject}; after {@code --- reject}, the lines up to the
 * next case are text the diagnostics must contain (none: any error will do). Flags:
 * {@code unsafe} (compiled as with {@code --unsafe}), {@code parse} (only the parser's verdict
 * counts: the case tests the grammar, and a program it accepts may still be refused later),
 * {@code exact} (the diagnostics must equal the text), {@code btf} (the case reads types through the
 * kernel's BTF, even only its own definitions: skipped where {@code /sys/kernel/btf/vmlinux} cannot
 * be read); {@code x-...} flags are notes only. Lines
 * before the first case starting with {@code #} are comments.
 *
 * <p>{@code -Dbpf4j.cases=FILE} compiles the cases of another file instead (such as the ones a
 * script extracted from bpftrace's unit tests) and writes each outcome to
 * {@code target/language-cases.txt}; then only an exception fails the test. With
 * {@code -Dbpf4j.cases.verify=true} it also runs bpf4j's verifier over each accepted program.
 */
class LanguageCasesTest {
    /** One program and its expected verdict. */
    record Case(String name, Set<String> flags, String program, boolean accept, String expected) {}

    /** What compiling a case gave. */
    record Outcome(boolean accepted, String stage, String rendered, Throwable crash) {}

    static List<Case> read(Path file) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Case> cases = new ArrayList<>();
        int i = 0;
        while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
            String l = lines.get(i++);
            if (!l.isBlank() && !l.startsWith("#")) {
                throw new IllegalArgumentException(file + ":" + i + ": text before the first case");
            }
        }
        while (i < lines.size()) {
            String[] header = lines.get(i).substring(4).trim().split("\\s+");
            int at = i + 1;
            i++;
            StringBuilder program = new StringBuilder();
            while (i < lines.size() && !lines.get(i).startsWith("--- ")) {
                program.append(program.isEmpty() ? "" : "\n").append(lines.get(i++));
            }
            if (i == lines.size()) {
                throw new IllegalArgumentException(file + ":" + at + ": case without a verdict");
            }
            String verdict = lines.get(i++).substring(4).trim();
            if (!verdict.equals("accept") && !verdict.equals("reject")) {
                throw new IllegalArgumentException(file + ":" + i + ": verdict is accept or reject: " + verdict);
            }
            StringBuilder expected = new StringBuilder();
            while (i < lines.size() && !lines.get(i).startsWith("=== ")) {
                expected.append(lines.get(i++)).append('\n');
            }
            String text = expected.toString().strip();
            if (verdict.equals("accept") && !text.isEmpty()) {
                throw new IllegalArgumentException(file + ":" + at + ": text after --- accept");
            }
            Set<String> flags = Set.of(java.util.Arrays.copyOfRange(header, 1, header.length));
            for (String f : flags) {
                if (!f.startsWith("x-") && !Set.of("unsafe", "parse", "exact", "btf").contains(f)) {
                    throw new IllegalArgumentException(file + ":" + at + ": unknown flag " + f);
                }
            }
            cases.add(new Case(header[0], flags, program.toString(), verdict.equals("accept"),
                    text.isEmpty() ? null : text));
        }
        return cases;
    }

    static Outcome compile(Case c) {
        Source source = new Source("stdin", c.program());
        TraceCompiler.Options options = new TraceCompiler.Options(false, new MockProbes(), AttachPoints.Target.CHECK,
                c.flags().contains("unsafe"), true);
        TraceCompiler.Result r;
        try {
            r = TraceCompiler.compile(source, List.of(), options, new TraceCompiler.Setup(Map.of(), List.of(),
                    List.of()));
        } catch (Throwable t) {
            return new Outcome(false, "crash", "", t);
        }
        String rendered;
        try {
            rendered = r.diagnostics().render(source);
        } catch (Throwable t) {
            return new Outcome(false, "crash", "", t);
        }
        if (!r.diagnostics().hasErrors()) {
            return new Outcome(true, "-", rendered, null);
        }
        String stage = r.program().isEmpty() ? "parse" : r.typed().isEmpty() ? "sema" : "codegen";
        return new Outcome(false, stage, rendered, null);
    }

    private static org.bpf4j.trace.codegen.CompiledScript compiled(Case c) {
        Source source = new Source("stdin", c.program());
        return TraceCompiler.compile(source, List.of(), new TraceCompiler.Options(false, new MockProbes(),
                AttachPoints.Target.CHECK, c.flags().contains("unsafe"), true), new TraceCompiler.Setup(Map.of(),
                List.of(), List.of())).compiled().orElseThrow();
    }

    /** Whether an outcome is the expected one; null if so, else what differs. */
    static String mismatch(Case c, Outcome o) {
        if (o.crash() != null) {
            StringWriter w = new StringWriter();
            o.crash().printStackTrace(new PrintWriter(w));
            return "the compiler threw: " + w;
        }
        // a grammar case accepted by the parser may be refused later (an undefined variable, say)
        boolean accepted = c.flags().contains("parse") && c.accept() ? !o.stage().equals("parse") : o.accepted();
        if (accepted != c.accept()) {
            return c.accept() ? "refused, expected accepted:\n" + o.rendered() : "accepted, expected refused";
        }
        if (c.expected() != null) {
            String got = o.rendered().strip();
            boolean ok = c.flags().contains("exact") ? got.equals(c.expected()) : got.contains(c.expected());
            if (!ok) {
                return "the diagnostics do not " + (c.flags().contains("exact") ? "equal" : "contain") + ":\n"
                        + c.expected() + "\ngot:\n" + got;
            }
        }
        return null;
    }

    @TestFactory
    Stream<DynamicTest> cases() throws IOException {
        if (System.getProperty("bpf4j.cases") != null) {
            return Stream.of();
        }
        List<Path> files;
        try (Stream<Path> s = Files.list(Scripts.dir("cases"))) {
            files = s.filter(p -> p.toString().endsWith(".cases")).sorted().toList();
        }
        assertTrue(!files.isEmpty(), "no case files");
        return files.stream().flatMap(f -> read(f).stream().map(c -> DynamicTest.dynamicTest(
                f.getFileName() + ": " + c.name(), () -> {
                    Assumptions.assumeTrue(!c.flags().contains("btf") || Files.isReadable(KernelTypes.VMLINUX),
                            "skipped: " + KernelTypes.VMLINUX + " is not readable");
                    String m = mismatch(c, compile(c));
                    if (m != null) {
                        fail(c.name() + ":\n" + c.program() + "\n" + m);
                    }
                })));
    }

    /** Names are unique within the cases, so that a failure names one case. */
    @Test
    void namesAreUnique() throws IOException {
        Map<String, String> seen = new java.util.HashMap<>();
        try (Stream<Path> s = Files.list(Scripts.dir("cases"))) {
            for (Path f : s.filter(p -> p.toString().endsWith(".cases")).toList()) {
                for (Case c : read(f)) {
                    String before = seen.put(c.name(), f.getFileName().toString());
                    assertEquals(null, before, "case " + c.name() + " in " + f.getFileName() + " and " + before);
                }
            }
        }
    }

    /** With {@code -Dbpf4j.cases=FILE}: every case's outcome, written to {@code target/language-cases.txt}. */
    @Test
    void explore() throws IOException {
        String file = System.getProperty("bpf4j.cases");
        if (file == null) {
            return;
        }
        List<Case> cases = read(Path.of(file));
        StringBuilder out = new StringBuilder();
        Map<String, Integer> counts = new TreeMap<>();
        int crashes = 0;
        for (Case c : cases) {
            Outcome o = compile(c);
            String m = mismatch(c, o);
            String verdict = o.crash() != null ? "CRASH"
                    : m == null ? "agree" : m.startsWith("refused") ? "refused" : m.startsWith("accepted")
                            ? "accepted" : "message";
            if (o.crash() == null && o.accepted() && Boolean.getBoolean("bpf4j.cases.verify")) {
                // what the compiler accepts, bpf4j's verifier should too (as the kernel's would)
                try {
                    OwnVerifier.assertAccepted(compiled(c), true);
                } catch (AssertionError | RuntimeException e) {
                    verdict = "unverified";
                    o = new Outcome(true, "verifier", String.valueOf(e.getMessage()).lines().findFirst().orElse(""),
                            null);
                }
            }
            counts.merge(verdict, 1, Integer::sum);
            crashes += o.crash() != null ? 1 : 0;
            String first = verdict.equals("unverified") ? o.rendered() : o.crash() != null ? m.lines().limit(4).reduce((a, b) -> a + " | " + b).orElse("")
                    : o.rendered().lines().filter(l -> l.contains("ERROR")).findFirst().orElse("");
            out.append("### ").append(c.name()).append(' ').append(String.join(" ", new java.util.TreeSet<>(c.flags())))
                    .append("\n").append(verdict).append(" expected=").append(c.accept() ? "accept" : "reject")
                    .append(" stage=").append(o.stage()).append(" first=").append(first).append('\n');
            if (verdict.equals("message")) {
                out.append("  want: ").append(c.expected().replace("\n", "\n        ")).append('\n');
            }
        }
        out.insert(0, counts + "\n");
        Files.writeString(Path.of("target", "language-cases.txt"), out.toString());
        System.out.println("language cases: " + counts);
        assertEquals(0, crashes, "the compiler threw; see target/language-cases.txt");
    }

    /**
     * A made-up machine, after bpftrace's test mocks: tracepoints with only the common fields,
     * and {@code /bin/sh} and {@code /bin/bash} with a few functions and USDT probes.
     */
    static final class MockProbes implements ProbeSource {
        private static final List<String> TRACEPOINTS = List.of("category:event", "file:filename", "notsched:bar",
                "sched:sched_one", "sched:sched_two", "sched_extra:sched_extra", "tcp:some_tcp_tp", "vmlinux:event_rt");
        private static final List<String> FUNCTIONS = List.of("f", "first_open", "main", "readline", "second_open",
                "cpp_mangled", "_Z11cpp_mangledi", "_Z11cpp_mangledv", "_Z18cpp_mangled_suffixv");
        private static final Map<String, List<String[]>> USDT = new LinkedHashMap<>();

        static {
            USDT.put("/bin/sh", List.of(new String[] {"prov1", "tp1"}, new String[] {"prov1", "tp2"},
                    new String[] {"prov2", "tp"}, new String[] {"prov2", "notatp"}, new String[] {"nahprov", "tp"}));
            USDT.put("/bin/bash", List.<String[]>of(new String[] {"prov1", "tp3"}));
        }

        @Override
        public List<String> tracepoints() {
            return TRACEPOINTS;
        }

        @Override
        public Optional<TracepointFormat> tracepointFormat(String category, String name) {
            if (!TRACEPOINTS.contains(category + ":" + name)) {
                return Optional.empty();
            }
            return Optional.of(TracepointFormat.parse(category, name, "name: " + name + "\nID: 1\nformat:\n"
                    + "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
                    + "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
                    + "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
                    + "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
                    + "\tfield:int x;\toffset:8;\tsize:4;\tsigned:1;\n\nprint fmt: \"x=%d\", REC->x\n"));
        }

        @Override
        public List<String> functions(String binary) {
            locate(binary);
            return FUNCTIONS;
        }

        @Override
        public List<UsdtProbe> usdt(String binary) {
            Path p = locate(binary);
            List<UsdtProbe> out = new ArrayList<>();
            long address = 0x1000;
            for (String[] u : USDT.getOrDefault(p.toString(), List.of())) {
                out.add(new UsdtProbe(p, u[0], u[1], address, address, 0, List.of(), ""));
                address += 0x10;
            }
            return out;
        }

        @Override
        public String uprobeOffsetProblem(String binary, String function, long offset) {
            return null;
        }

        @Override
        public Path locate(String binary) {
            String b = binary.equals("sh") ? "/bin/sh" : binary.equals("bash") ? "/bin/bash" : binary;
            if (!USDT.containsKey(b)) {
                throw new ProbeException("could not find " + binary);
            }
            return Path.of(b);
        }
    }
}
