package org.bpf4j.trace.runtime;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Current bpftrace's {@code --mode test} ({@code --test}): BEGIN runs, then each {@code test:NAME}
 * probe, in the order written, runs once in the backend ({@code BPF_PROG_TEST_RUN} in the kernel)
 * with its output captured. A test passes when it returns 0, did not call {@code exit()} with a
 * non-zero code and reported no error ({@code errorf}); the output of a failed test is shown
 * ({@link Output#testResult}; in text form, also for JSON output, as current bpftrace). Then END runs; no other probe is attached and no map is printed at
 * the end. The run's exit status is 1 when a test failed. Not thread-safe: one run on the runtime's
 * thread.
 */
final class Tests {
    private final TraceRuntime runtime;
    private final Backend backend;
    private final Output out;
    private final Capture capture;

    Tests(TraceRuntime runtime, Backend backend, Output out, Capture capture) {
        this.runtime = runtime;
        this.backend = backend;
        this.out = out;
        this.capture = capture;
    }

    void run() {
        List<Integer> tests = runtime.beginTestRuns("test");
        List<String> names = runtime.namesOf(tests);
        List<Boolean> passed = new ArrayList<>();
        boolean failed = false;
        for (int k = 0; k < tests.size(); k++) {
            int errorsBefore = runtime.errorsReported();
            runtime.resetExitCode();
            capture.start();
            // as current bpftrace, a test's output is captured in text form, also for JSON output
            PrintWriter text = out.json() ? new PrintWriter(capture) : null;
            Output before = text == null ? null : runtime.useOutput(new Output.Text(text, text));
            Backend.Bench b;
            String output;
            try {
                b = backend.bench(tests.get(k), 1);
                runtime.printEvents();
                out.out().flush();
                if (text != null) {
                    text.flush();
                }
            } finally {
                if (before != null) {
                    runtime.useOutput(before);
                }
                output = capture.stop();
            }
            boolean ok = b.retval() == 0 && runtime.exitCode() == 0 && runtime.errorsReported() == errorsBefore;
            passed.add(ok);
            failed |= !ok;
            out.testResult(names, k, b.averageNanos(), passed, output);
            out.out().flush();
        }
        runtime.endTestRuns(failed, out);
    }
}
