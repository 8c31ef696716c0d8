package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.sema.KernelTypes;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Compiles every malformed script of {@code trace/errors} and compares the rendered diagnostics
 * with {@code NAME.expected}. Where bpftrace 0.17 words or places a message differently, the
 * golden file holds ours and {@code docs/trace-differences.md} lists the difference. A script whose
 * first line is {@code // kernel} is compiled for the kernel backend (with the kernel's BTF), the
 * others for the VM; with the environment of the script's {@code NAME.env} file, if it has one
 * ({@code BPFTRACE_*} variables; relative paths from the module's directory).
 */
class DiagnosticsTest {
    @TestFactory
    List<DynamicTest> diagnostics() {
        List<DynamicTest> tests = new ArrayList<>();
        for (Path p : Scripts.scripts("errors")) {
            tests.add(DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
                Path expected = Scripts.sibling(p, ".expected");
                assertTrue(Files.exists(expected), "missing golden file " + expected.getFileName());
                String text = Scripts.read(p);
                Source source = new Source(p.getFileName().toString(), text);
                TraceCompiler.Result r;
                if (text.startsWith("// kernel")) {
                    // kernel types (curtask, struct casts) come from the kernel's BTF; reading it needs no root
                    Assumptions.assumeTrue(Files.isReadable(KernelTypes.VMLINUX),
                            "skipped: " + KernelTypes.VMLINUX + " is not readable (kernel without BTF)");
                    r = TraceCompiler.compile(source, Scripts.params(p), new TraceCompiler.Options(false,
                            ProbeSource.none(), AttachPoints.Target.KERNEL, false, true),
                            new TraceCompiler.Setup(Scripts.env(p), List.of(), List.of()));
                } else {
                    r = TraceCompiler.compile(source, Scripts.params(p), new TraceCompiler.Options(false,
                            ProbeSource.none(), AttachPoints.Target.VM, false, true),
                            new TraceCompiler.Setup(Scripts.env(p), List.of(), List.of()));
                }
                assertTrue(r.diagnostics().hasErrors(), "the script compiled without errors");
                assertEquals(Scripts.read(expected), r.diagnostics().render(source));
            }));
        }
        return tests;
    }
}
