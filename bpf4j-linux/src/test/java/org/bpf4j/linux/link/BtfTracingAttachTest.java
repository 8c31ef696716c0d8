package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.AttachType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * fentry, fexit, LSM and iterator links. Kernels under lockdown (or without BPF LSM) refuse
 * them with EPERM or similar: each test tries, and when the kernel refuses with EPERM it skips
 * with the kernel's answer (probed, not assumed); any other failure fails the test.
 */
@KernelTest
class BtfTracingAttachTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}")
    @CsvSource({"on_fentry, TRACE_FENTRY, 0", "on_fexit, TRACE_FEXIT, 1", "on_file_open, LSM_MAC, 2",
        "on_iter_map, TRACE_ITER, -1"})
    void attachesOrSkipsWithTheKernelsRefusal(String program, AttachType type, int slot) throws IOException {
        KernelObject o;
        try {
            o = Kernel.system().load(org.bpf4j.object.ObjectFile.read(Fixtures.DIR.resolve("btf_tracing.bpf.o")),
                    org.bpf4j.linux.LoadOptions.defaults().withPrograms(java.util.Set.of(program)));
        } catch (KernelException e) {
            throw new AssertionError("loading the object failed: " + e.getMessage(), e);
        }
        try (o) {
            var outcome = o.outcomes().stream().filter(x -> x.name().equals(program)).findFirst().orElseThrow();
            if (outcome instanceof KernelObject.Outcome.Rejected r) {
                boolean eperm = r.error() instanceof KernelException k && k.errno() == Errno.EPERM;
                Assumptions.assumeFalse(eperm, program + " skipped: the kernel refuses to load " + type.kernelName()
                        + " programs here (" + r.error().getMessage().lines().findFirst().orElse("") + ")");
                throw new AssertionError(program + " was rejected: " + r.error().getMessage());
            }
            Link link;
            try {
                link = Attacher.of(Kernel.system()).tracing(o.programs().get(program), type);
            } catch (KernelException e) {
                Assumptions.assumeFalse(e.errno() == Errno.EPERM, program + " skipped: the kernel refuses to attach "
                        + type.kernelName() + " here (" + e.getMessage() + "); lockdown does this");
                throw e;
            }
            try (link) {
                assertTrue(((BpfLink) link).id() > 0);
                if (type == AttachType.TRACE_ITER) {
                    // Reading the iterator runs the program once per map: one 'm' each.
                    String out = new String(((BpfLink) link).readIterator(), java.nio.charset.StandardCharsets.UTF_8);
                    assertTrue(out.length() >= 1 && out.chars().allMatch(c -> c == 'm'), out);
                    assertEquals(out.length(), Fixtures.slot(o.map("hits").orElseThrow(), 3));
                }
                Path f = Files.writeString(dir.resolve("f.txt"), "x");
                Files.readString(f);
            }
            if (slot >= 0) {
                long n = Fixtures.slot(o.map("hits").orElseThrow(), slot);
                assertTrue(n > 0, program + " ran " + n + " times while a file was opened");
            }
        }
    }
}
