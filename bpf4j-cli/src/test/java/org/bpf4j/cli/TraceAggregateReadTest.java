package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.PossibleCpus;
import org.bpf4j.linux.probe.Tracefs;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A count(), sum(), min(), max() or avg() map read in an expression is what all CPUs hold together,
 * as current bpftrace reads it (bpf_map_lookup_percpu_elem for each CPU), not the reading CPU's part.
 */
class TraceAggregateReadTest {
    @AfterAll
    static void unmount() {
        Tracefs.unmountIfMountedHere();
    }

    @Test
    void anAggregationReadsAsAllCpusHoldIt(@TempDir Path dir) throws Exception {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(PossibleCpus.count() >= 2 && Runtime.getRuntime().availableProcessors() >= 2,
                "SKIPPED: needs two CPUs");
        // `true` started on CPU 0, then on CPU 1: the second exec reads the maps the first one
        // updated on the other CPU; only the script's own (other tests on this machine run `true`)
        Path run = dir.resolve("run.sh");
        Files.writeString(run, "#!/bin/sh\ntaskset -c 0 true\ntaskset -c 1 true\n");
        run.toFile().setExecutable(true);
        Cli r = Cli.run("trace", "-c", run.toString(), "-e", "tracepoint:sched:sched_process_exec "
                + "/comm == \"true\" && curtask->real_parent->tgid == cpid/ { @c = count(); @s = sum(cpu + 10); @lo = min(cpu + 5); @hi = max(cpu + 5); "
                + "@a = avg(cpu * 10 + 1); @at[cpu] = ((uint64)@c, (uint64)@s, (uint64)@lo, (uint64)@hi, (int64)@a); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // CPU 0's exec saw its own values; CPU 1's, both CPUs' (this CPU's alone: (1, 11, 6, 6, 11))
        assertEquals("\n\n@a: 6\n@at[0]: (1, 10, 5, 5, 1)\n@at[1]: (2, 21, 5, 6, 6)\n@c: 2\n@hi: 6\n@lo: 5\n@s: 21\n",
                r.out());
    }
}
