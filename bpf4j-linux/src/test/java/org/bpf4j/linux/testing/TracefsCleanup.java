package org.bpf4j.linux.testing;

import org.bpf4j.linux.probe.Tracefs;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Unmounts tracefs at the end of the test run if the tests mounted it (tracepoint attachment
 * mounts it when it is missing), so that the run leaves the machine's mounts as it found them.
 * Registered through {@code META-INF/services}.
 */
public final class TracefsCleanup implements TestExecutionListener {
    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (Tracefs.mountedHere()) {
            try {
                Tracefs.unmountIfMountedHere();
                System.out.println("tracefs: unmounted (the tests had mounted it)");
            } catch (RuntimeException e) {
                // Another process may be using it now (EBUSY): leaving it mounted is harmless.
                System.out.println("tracefs: left mounted: " + e.getMessage());
            }
        }
    }
}
