package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.linux.probe.UsdtProbe;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.probe.TracepointFormat;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Attach points resolved against a machine described by files, without root: the scripts of
 * {@code trace/probes} compile for the kernel against the tracepoint formats saved in
 * {@code trace/probes/formats} (copied from this machine's tracefs) and a binary
 * {@code /bin/fake} with the functions listed in {@code trace/probes/functions} (and, for offsets
 * into them, the code of bpf4j-linux's attach test binary). Each
 * {@code NAME.expected} holds the diagnostics, or for a script that compiles, its expanded attach
 * points and the size of each program. A first line {@code // -c CMD} compiles as for a command
 * ({@code cpid}; its program names the traced process in watchpoints' names), {@code // -p PID}
 * as for a process (limited to it), {@code // --no-feature uprobe_multi} as without uprobe_multi
 * links; the fake binary's USDT probes are listed in {@code trace/probes/usdt}.
 * {@code -Dbpf4j.recordProbes=src/test/resources} writes the golden files (to review).
 */
class ProbeResolutionTest {
    /** A machine made of the saved formats and one fake binary. */
    static final class SavedProbes implements ProbeSource {
        private final Path dir = Scripts.dir("probes");

        @Override
        public List<String> tracepoints() {
            try (Stream<Path> s = Files.list(dir.resolve("formats"))) {
                return s.map(p -> p.getFileName().toString().replaceFirst("\\.", ":")).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Optional<TracepointFormat> tracepointFormat(String category, String name) {
            // as the system's source: names tracefs cannot hold (a NUL, a slash) are no tracepoint
            if (!category.matches("[A-Za-z0-9_.-]+") || !name.matches("[A-Za-z0-9_.-]+")) {
                return Optional.empty();
            }
            Path f = dir.resolve("formats").resolve(category + "." + name);
            return Files.exists(f) ? Optional.of(TracepointFormat.parse(category, name, Scripts.read(f)))
                    : Optional.empty();
        }

        @Override
        public List<String> functions(String binary) {
            locate(binary);
            return List.of(Scripts.read(dir.resolve("functions")).trim().split("\\s+"));
        }

        /** The fake binary's USDT probes: {@code usdt}'s lines, {@code PROVIDER NAME}, each at an address of its own. */
        @Override
        public List<UsdtProbe> usdt(String binary) {
            locate(binary);
            List<UsdtProbe> probes = new ArrayList<>();
            for (String line : Scripts.read(dir.resolve("usdt")).strip().split("\n")) {
                String[] f = line.split(" ");
                long at = 0x1000 + 16L * probes.size();
                probes.add(new UsdtProbe(Path.of(binary), f[0], f[1], at, at, 0, List.of(), ""));
            }
            return probes;
        }

        /**
         * Offsets into functions are checked in the code of bpf4j-linux's attach test binary, which
         * has the functions of the fake one ({@code bpf4j_add}: {@code lea} of 3 bytes, {@code ret}).
         */
        @Override
        public String uprobeOffsetProblem(String binary, String function, long offset) {
            locate(binary);
            Path target = Path.of("..", "bpf4j-linux", "src", "test", "resources", "attach", "target");
            org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(target), "skipped: " + target + " is missing");
            return ProbeSource.system().uprobeOffsetProblem(target.toString(), function, offset);
        }

        @Override
        public Path locate(String binary) {
            if (!binary.equals("/bin/fake")) {
                throw new ProbeException("no such file to probe: " + binary);
            }
            return Path.of(binary);
        }
    }

    @TestFactory
    List<DynamicTest> probes() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : Scripts.scripts("probes")) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                Path expected = Scripts.sibling(p, ".expected");
                Source source = new Source(p.getFileName().toString(), Scripts.read(p));
                String first = Scripts.read(p).lines().findFirst().orElse("");
                boolean child = first.startsWith("// -c");
                TraceCompiler.Options options = new TraceCompiler.Options(false, new SavedProbes(),
                        AttachPoints.Target.KERNEL, false, child);
                if (child) {
                    // "// -c CMD": the command's program names the traced process (as the CLI, unresolved)
                    options = options.withProcess(org.bpf4j.trace.runtime.ChildCommand.programPath(
                            first.substring("// -c".length()).strip()));
                } else if (first.startsWith("// -p ")) {
                    String pid = first.substring("// -p ".length()).strip();
                    options = options.withProcess("/proc/" + pid + "/exe").withPidFilter(Integer.parseInt(pid));
                } else if (first.startsWith("// --no-feature uprobe_multi")) {
                    options = options.withProbes(ProbeSource.withoutUprobeMulti(options.probes()));
                }
                TraceCompiler.Result r = TraceCompiler.compile(source, List.of(), options);
                String actual = describe(r, source);
                r.compiled().ifPresent(OwnVerifier::assertAccepted);
                String record = System.getProperty("bpf4j.recordProbes");
                if (record != null) {
                    // Writes the golden files into the source tree (-Dbpf4j.recordProbes=src/test/resources),
                    // to be reviewed before committing.
                    Files.writeString(Path.of(record, "trace", "probes", expected.getFileName().toString()), actual);
                    return;
                }
                assertTrue(Files.exists(expected), "missing golden file " + expected.getFileName());
                assertEquals(Scripts.read(expected), actual);
            }));
        }
        return tests;
    }

    private static String describe(TraceCompiler.Result r, Source source) {
        if (r.compiled().isEmpty()) {
            return r.diagnostics().render(source);
        }
        CompiledScript s = r.compiled().get();
        StringBuilder sb = new StringBuilder(r.diagnostics().render(source)); // warnings
        for (CompiledScript.ProbeProgram p : s.programs()) {
            sb.append(p.name()).append(" (").append(p.code().slotCount()).append(" instructions)\n");
        }
        return sb.toString();
    }
}
