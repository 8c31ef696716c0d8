package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.probe.UprobeTarget;
import org.bpf4j.linux.probe.UsdtSpecs;
import org.bpf4j.linux.testing.KernelTest;
import org.junit.jupiter.api.Test;

/**
 * Uprobes, uretprobes, uprobe_multi and USDT on the test binary {@code target}
 * (src/test/resources/attach/src/target.c), which calls {@code bpf4j_add(i, 100)} and
 * {@code bpf4j_sub(i, 1)} for i in 0..N-1 and fires {@code bpf4j:tick(i, sum)} when its semaphore is set.
 */
@KernelTest
class UprobeAttachTest {
    private static final Pattern OUTPUT = Pattern.compile("calls (\\d+) fired (\\d+) sum (-?\\d+)\\s*");

    @org.junit.jupiter.api.BeforeEach
    void nativeTarget() {
        Fixtures.requireNativeTarget();
    }

    /** Runs {@code target probe n}; returns {calls, fired, sum}. */
    private static long[] runTarget(int n) {
        String out = Fixtures.run(Fixtures.TARGET.toString(), "probe", Integer.toString(n));
        Matcher m = OUTPUT.matcher(out);
        assertTrue(m.matches(), "unexpected output of target: " + out);
        return new long[] {Long.parseLong(m.group(1)), Long.parseLong(m.group(2)), Long.parseLong(m.group(3))};
    }

    @Test
    void uprobeAndUretprobeOnAFunctionBySymbol() {
        try (KernelObject o = Fixtures.load("uprobe.bpf.o", "on_add", "on_add_return")) {
            Attacher a = Attacher.of(Kernel.system());
            KernelMap results = o.map("results").orElseThrow();
            try (Link entry = a.uprobe(o.programs().get("on_add"), Fixtures.TARGET.toString(), "bpf4j_add", false, -1);
                    Link exit = a.uprobe(o.programs().get("on_add_return"), Fixtures.TARGET.toString(), "bpf4j_add",
                            true, -1)) {
                runTarget(5);
            }
            assertEquals(5, Fixtures.slot(results, 0), "uprobe hits");
            assertEquals(0 + 1 + 2 + 3 + 4, Fixtures.slot(results, 1), "sum of the first argument");
            assertEquals(5, Fixtures.slot(results, 2), "uretprobe hits");
            assertEquals(100 + 101 + 102 + 103 + 104, Fixtures.slot(results, 3), "sum of the return values");
            // Detached: another run changes nothing.
            runTarget(2);
            assertEquals(5, Fixtures.slot(results, 0));
        }
    }

    @Test
    void uprobeMultiWithCookiesOnTwoFunctions() {
        try (KernelObject o = Fixtures.load("uprobe.bpf.o", "on_multi")) {
            List<UprobeTarget> targets = List.of(UprobeTarget.ofSymbol(Fixtures.TARGET.toString(), "bpf4j_add", 0),
                    UprobeTarget.ofSymbol(Fixtures.TARGET.toString(), "bpf4j_sub", 0));
            try (Link link = Attacher.of(Kernel.system()).uprobeMulti(o.programs().get("on_multi"), targets,
                    new long[] {1, 1000}, false, 0)) {
                assertEquals(1, Link.ids(link).size());
                runTarget(5);
            }
            KernelMap results = o.map("results").orElseThrow();
            assertEquals(10, Fixtures.slot(results, 5), "uprobe_multi hits");
            assertEquals(5 * 1 + 5 * 1000, Fixtures.slot(results, 4), "sum of the cookies");
        }
    }

    @Test
    void usdtProbeWithSemaphoreAndArguments() {
        Fixtures.requireUsdtArch();
        long[] before = runTarget(2);
        assertEquals(0, before[1], "the semaphore is clear while nothing is attached");
        try (KernelObject o = Fixtures.load("uprobe.bpf.o", "on_tick")) {
            Attacher.UsdtAttachment usdt = Attacher.of(Kernel.system()).usdt(o.programs().get("on_tick"),
                    Fixtures.TARGET.toString(), "bpf4j", "tick", -1, o.map(UsdtSpecs.MAP_NAME).orElseThrow());
            long[] out;
            try (usdt) {
                assertEquals(1, usdt.probes().size());
                assertEquals(2, usdt.probes().get(0).arguments().size(), usdt.probes().get(0).argumentText());
                out = runTarget(4);
            }
            assertEquals(4, out[1], "the probe fired only if the kernel set its semaphore");
            KernelMap results = o.map("results").orElseThrow();
            assertEquals(0, Fixtures.slot(results, 9), "sites whose spec could not be read");
            assertEquals(4, Fixtures.slot(results, 6), "USDT hits");
            assertEquals(0 + 1 + 2 + 3, Fixtures.slot(results, 7), "sum of argument 0 (i)");
            assertEquals(out[2], Fixtures.slot(results, 8), "argument 1 (sum) at the last hit");
        }
        assertEquals(0, runTarget(2)[1], "the semaphore is clear again after detaching");
    }
}
