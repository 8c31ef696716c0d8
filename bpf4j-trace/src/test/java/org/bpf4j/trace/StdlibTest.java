package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Functions of current bpftrace's standard library whose value depends on how the tracer runs. */
class StdlibTest {
    private static final String CPID = """
            BEGIN {
              printf("%d %d\\n", has_cpid, has_cpid());
              if (has_cpid) {
                printf("child %d\\n", cpid > 0 ? 1 : 0);
              }
              exit();
            }
            """;

    @Test
    void hasCpidIsWhetherACommandRuns() throws InterruptedException {
        // without -c, cpid in the branch has_cpid skips is no error (0.17's error where it is reached)
        assertEquals("0 0\n\n\n", Scripts.run(new Source("cpid.bt", CPID), List.of(), false, System.getenv(), false));
        // the VM runs no child: cpid reads 0 there, so the golden checks the branch is taken, not the pid
        assertEquals("1 1\nchild 0\n\n\n", Scripts.run(new Source("cpid.bt", CPID), List.of(), false, System.getenv(),
                true));
    }

    @Test
    void cpidStillNeedsAChildWhereItIsReached() {
        Source s = new Source("cpid.bt", "BEGIN { printf(\"%d\\n\", cpid); exit(); }");
        TraceCompiler.Result r = TraceCompiler.compile(s, List.of(), new TraceCompiler.Options(false,
                org.bpf4j.trace.probe.ProbeSource.none(), org.bpf4j.trace.probe.AttachPoints.Target.VM, false, false));
        assertEquals("cpid.bt:1:24-28: ERROR: cpid cannot be used without child command\n"
                + "BEGIN { printf(\"%d\\n\", cpid); exit(); }\n"
                + "                       ~~~~\n", r.diagnostics().render(s));
    }
}
