package org.bpf4j.trace.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.TraceCompiler;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.vm.VmOptions;
import org.junit.jupiter.api.Test;

/**
 * A probe's program the VM stops (a loop that never ends, which the kernel's verifier would refuse
 * to load: found by fuzzing, where such a run reported "cannot attach: instruction 20: instruction
 * budget exhausted") ends the run with an error that names the probe, so that it is shown there.
 */
class ProbeRunTest {
    @Test
    void endlessLoopIsStoppedAtItsProbe() {
        Source source = new Source("loop.bt", "BEGIN { printf(\"x\\n\"); }\nEND { $a = 1; while (1) { $a++; } }\n");
        CompiledScript script = TraceCompiler.compile(source, List.of(), TraceCompiler.Options.vm(),
                new TraceCompiler.Setup(Map.of(), List.of(), List.of())).orThrow(source);
        StringWriter out = new StringWriter();
        Output output = new Output.Text(new PrintWriter(out), new PrintWriter(new StringWriter()));
        try (TraceRuntime rt = TraceRuntime.vm(script, output, VmOptions.defaults().withInstructionBudget(1_000_000))) {
            ProbeRunException e = assertThrows(ProbeRunException.class, rt::run);
            assertEquals("END", e.attachPoint().provider());
            assertEquals(2, source.lineOf(e.attachPoint().span().begin()));
            assertTrue(e.getMessage().startsWith("the program of END ran 1,000,000 instructions without ending"),
                    e.getMessage());
        }
    }
}
