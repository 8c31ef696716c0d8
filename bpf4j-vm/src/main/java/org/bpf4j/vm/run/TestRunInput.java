package org.bpf4j.vm.run;

import java.util.Objects;
import java.util.Optional;

/**
 * The input of a test run, as {@code BPF_PROG_TEST_RUN} takes it. Immutable (the arrays are copied).
 *
 * @param data    {@code data_in}: the packet (for XDP with a context, the metadata first)
 * @param context {@code ctx_in}: the context struct's bytes, or empty for the kernel's default
 * @param repeat  {@code repeat}: how many times the program runs on the same packet (0 counts as 1)
 */
public record TestRunInput(byte[] data, Optional<byte[]> context, int repeat) {
    /** Copies the arrays and checks the counts. */
    public TestRunInput {
        Objects.requireNonNull(data, "data");
        data = data.clone();
        context = context.map(byte[]::clone);
        if (repeat < 0) {
            throw new IllegalArgumentException("repeat must not be negative, not " + repeat);
        }
    }

    /** A run of {@code data} once, with no context. */
    public static TestRunInput of(byte[] data) {
        return new TestRunInput(data, Optional.empty(), 1);
    }

    /** The packet (a copy). */
    @Override
    public byte[] data() {
        return data.clone();
    }

    /** This input with a context. */
    public TestRunInput withContext(byte[] ctx) {
        return new TestRunInput(data, Optional.of(ctx), repeat);
    }

    /** This input with a repeat count. */
    public TestRunInput withRepeat(int n) {
        return new TestRunInput(data, context, n);
    }
}
