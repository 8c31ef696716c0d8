package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.runtime.Output;
import org.bpf4j.trace.runtime.TraceRuntime;
import org.junit.jupiter.api.Test;

/** Probes of the {@code java} provider fired from Java code through {@link TraceRuntime#fire}. */
class FireApiTest {
    @Test
    void firedProbesSeeArgumentsAndReturnValues() {
        Source source = new Source("fire.bt", """
                java:app:handle { @calls[arg0] = count(); @sizes = hist(arg1); @total = sum(arg1); }
                java:app:handle /arg1 > 1000/ { printf("big request %d: %d bytes\\n", arg0, arg1); }
                java:app:done { @ret = stats(retval); }
                END { printf("end\\n"); }
                """);
        CompiledScript script = TraceCompiler.compile(source, List.of()).orThrow(source);
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        try (TraceRuntime rt = TraceRuntime.vm(script, new Output.Text(pw, new PrintWriter(java.io.Writer.nullWriter())), Scripts.options())) {
            assertEquals(2, rt.fire("app:handle", 0, 7, 100));
            rt.fire("app:handle", 0, 7, 5000);
            rt.fire("app:handle", 0, 9, 3);
            assertEquals(1, rt.fire("app:done", 42));
            rt.fire("app:done", 8);
            assertEquals(0, rt.fire("app:other", 0));
            rt.finish();
        }
        pw.flush();
        assertEquals("""
                big request 7: 5000 bytes
                end


                @calls[9]: 1
                @calls[7]: 2
                @ret: { .count = 2, .average = 25, .total = 50 }
                @sizes:
                [2, 4)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
                [4, 8)                 0 |                                                    |
                [8, 16)                0 |                                                    |
                [16, 32)               0 |                                                    |
                [32, 64)               0 |                                                    |
                [64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|
                [128, 256)             0 |                                                    |
                [256, 512)             0 |                                                    |
                [512, 1K)              0 |                                                    |
                [1K, 2K)               0 |                                                    |
                [2K, 4K)               0 |                                                    |
                [4K, 8K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|

                @total: 5103
                """, sw.toString());
    }

    @Test
    void sigusr1RunsTheSignalProbesOnly() throws InterruptedException {
        // with self:signal:SIGUSR1 probes (current bpftrace): they run, in the thread that runs the script
        Source source = new Source("signal.bt", """
                BEGIN { @n = 5; }
                self:signal:SIGUSR1 { printf("usr1 %d\\n", @n); exit(); }
                """);
        CompiledScript script = TraceCompiler.compile(source, List.of()).orThrow(source);
        StringWriter sw = new StringWriter();
        try (TraceRuntime rt = TraceRuntime.vm(script, new Output.Text(new PrintWriter(sw),
                new PrintWriter(java.io.Writer.nullWriter())), Scripts.options())) {
            rt.setWaitForInterrupt(true); // nothing else can fire: the run waits for the signal
            rt.requestSigusr1();
            rt.run();
        }
        assertEquals("usr1 5\n\n\n@n: 5\n", sw.toString());
        // without them: nothing (current bpftrace removed 0.17's handler, which printed every map),
        // and the run goes on
        Source plain = new Source("maps.bt", "BEGIN { @a = 1; @b[2] = 3; } interval:ms:1 { exit(); }");
        CompiledScript maps = TraceCompiler.compile(plain, List.of()).orThrow(plain);
        StringWriter out = new StringWriter();
        try (TraceRuntime rt = TraceRuntime.vm(maps, new Output.Text(new PrintWriter(out),
                new PrintWriter(java.io.Writer.nullWriter())), Scripts.options())) {
            rt.setWaitForInterrupt(true);
            rt.requestSigusr1(); // seen before the first interval fires
            rt.run();
        }
        assertEquals("\n\n@a: 1\n@b[2]: 3\n", out.toString());
    }
}
