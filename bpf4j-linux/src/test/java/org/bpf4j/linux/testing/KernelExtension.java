package org.bpf4j.linux.testing;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The extension behind {@link KernelTest}: probes bpf() once and disables kernel tests with the
 * reason when it is unavailable; around each test, compares the process's bpf-related file
 * descriptors ({@link OpenFds}) and fails the test if it left any open.
 */
public final class KernelExtension implements ExecutionCondition, BeforeEachCallback, AfterEachCallback {
    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(KernelExtension.class);

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
        Kernel.Availability a = Kernel.probe();
        return a.available() ? ConditionEvaluationResult.enabled("bpf() works")
                : ConditionEvaluationResult.disabled("kernel test skipped: " + a.reason());
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        context.getStore(NS).put("fds", OpenFds.bpfFds());
    }

    @Override
    public void afterEach(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        List<String> before = (List<String>) context.getStore(NS).get("fds", List.class);
        if (before == null) {
            return;
        }
        List<String> leaked = new ArrayList<>(OpenFds.bpfFds());
        leaked.removeAll(before);
        if (!leaked.isEmpty()) {
            throw new AssertionError("the test leaked " + leaked.size() + " file descriptor(s): " + leaked);
        }
    }
}
