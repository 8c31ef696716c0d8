package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The host environment helpers see. */
class EnvironmentTest {
    /**
     * Every system environment of a JVM has the same TAI offset: two engines (or two runs) made
     * with their own {@link Environment#system()} agree on {@code bpf_ktime_get_tai_ns} for the
     * same monotonic time (JitFuzzTest once found them reading different addresses from it).
     */
    @Test
    void systemEnvironmentsShareOneTaiOffset() {
        long first = Environment.system().tracee().taiOffsetNanos();
        for (int i = 0; i < 3; i++) {
            assertEquals(first, Environment.system().tracee().taiOffsetNanos());
        }
        // TAI is wall-clock time plus 37 s: after 2020 in nanoseconds
        assertTrue(first + System.nanoTime() > 1_577_836_800_000_000_000L, "TAI offset " + first);
    }
}
