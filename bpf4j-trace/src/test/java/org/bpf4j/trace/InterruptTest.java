package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.junit.jupiter.api.Test;

/**
 * Ctrl-C ({@link TraceRuntime#requestExit()}) as current bpftrace handles SIGINT: the events not
 * handled yet are dropped (a flood of them, such as {@code system()} on every context switch,
 * does not hold END back), then END runs and its events are printed, then the maps.
 */
class InterruptTest {
    @Test
    void pendingEventsAreDroppedAndEndRuns() throws InterruptedException {
        Source source = new Source("interrupt.bt", """
                BEGIN { for ($i : 0..500) { printf("pending %d\\n", $i); } @n = 500; }
                END { printf("end\\n"); }
                """);
        CompiledScript script = TraceCompiler.compile(source, List.of()).orThrow(source);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        try (TraceRuntime rt = TraceRuntime.vm(script, new Output.Text(pw, new PrintWriter(java.io.Writer.nullWriter())),
                Scripts.options())) {
            rt.requestExit(); // before BEGIN's events are read
            rt.run();
        }
        pw.flush();
        assertEquals("end\n\n\n@n: 500\n", sw.toString());
    }
}
