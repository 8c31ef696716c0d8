package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import org.bpf4j.linux.Kernel;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.runtime.Backend;
import org.bpf4j.trace.runtime.KernelBackend;
import org.junit.jupiter.api.Test;

/**
 * The kernel backend's view of a script map, as {@code print}, {@code clear} and {@code zero} use
 * it while probes run: a key a program deleted after the keys were listed is not an error (current
 * bpftrace's parallel map access). Skipped, with the reason, where bpf() is not available.
 */
class KernelMapStoreTest {
    @Test
    void overwritingAKeyDeletedMeanwhileDoesNothing() {
        Kernel.Availability a = Kernel.probe();
        assumeTrue(a.available(), "kernel tests skipped: " + a.reason());
        Source source = new Source("m.bt", "BEGIN { @m[1] = 1; @m[2] = 2; }");
        CompiledScript script = TraceCompiler.compile(source, List.of(), new TraceCompiler.Options(false,
                ProbeSource.none(), AttachPoints.Target.KERNEL, false, false)).orThrow(source);
        try (KernelBackend backend = new KernelBackend(script, Kernel.system())) {
            backend.run(0, new byte[8 * 17]);
            Backend.MapStore m = backend.map(0);
            List<byte[]> keys = m.keys();
            assertEquals(2, keys.size());
            byte[] zero = new byte[m.lookup(keys.get(0)).orElseThrow().length];
            m.delete(keys.get(0)); // as a probe's delete() between the listing and zero()
            m.overwrite(keys.get(0), zero);
            m.overwrite(keys.get(1), zero);
            assertTrue(m.lookup(keys.get(0)).isEmpty(), "a deleted key is not written back");
            assertArrayEquals(zero, m.lookup(keys.get(1)).orElseThrow());
        }
    }
}
