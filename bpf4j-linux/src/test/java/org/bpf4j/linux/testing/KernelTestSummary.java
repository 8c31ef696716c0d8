package org.bpf4j.linux.testing;

import java.util.concurrent.atomic.AtomicInteger;
import org.bpf4j.linux.Kernel;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.engine.TestTag;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestIdentifier;
import org.junit.platform.launcher.TestPlan;

/**
 * Counts the tests tagged {@link KernelTest#TAG} and prints, when the run ends,
 * {@code kernel tests: N ran, M skipped} (with the reason when they were skipped). Registered
 * through {@code META-INF/services}.
 */
public final class KernelTestSummary implements TestExecutionListener {
    private static final TestTag KERNEL = TestTag.create(KernelTest.TAG);
    private final AtomicInteger ran = new AtomicInteger();
    private final AtomicInteger skipped = new AtomicInteger();
    private volatile TestPlan plan;

    @Override
    public void testPlanExecutionStarted(TestPlan testPlan) {
        plan = testPlan;
    }

    @Override
    public void executionSkipped(TestIdentifier id, String reason) {
        if (!id.getTags().contains(KERNEL)) {
            return;
        }
        if (id.isTest()) {
            skipped.incrementAndGet();
        } else if (plan != null) {
            // A skipped class: its tests are not reported one by one.
            skipped.addAndGet((int) plan.getDescendants(id).stream().filter(TestIdentifier::isTest).count());
        }
    }

    @Override
    public void executionFinished(TestIdentifier id, TestExecutionResult result) {
        if (id.isTest() && id.getTags().contains(KERNEL)) {
            // A test that skipped itself (a failed assumption, such as a feature probe) did not run.
            (result.getStatus() == TestExecutionResult.Status.ABORTED ? skipped : ran).incrementAndGet();
        }
    }

    @Override
    public void testPlanExecutionFinished(TestPlan plan) {
        if (ran.get() + skipped.get() == 0) {
            return;
        }
        Kernel.Availability a = Kernel.probe();
        String line = "kernel tests: " + ran.get() + " ran, " + skipped.get() + " skipped"
                + (a.available() ? "" : " (" + a.reason() + ")");
        System.out.println(line);
    }
}
