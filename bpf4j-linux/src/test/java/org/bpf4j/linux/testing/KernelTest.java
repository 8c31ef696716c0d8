package org.bpf4j.linux.testing;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Marks a test class or method that calls the real kernel: it is skipped, with the reason, when
 * bpf() is unavailable; it fails if it leaves a bpf file descriptor open; it is counted in the
 * "kernel tests: N ran, M skipped" line that {@link KernelTestSummary} prints.
 */
@Target({ElementType.TYPE, ElementType.METHOD})
@Retention(RetentionPolicy.RUNTIME)
@Tag(KernelTest.TAG)
@ExtendWith(KernelExtension.class)
public @interface KernelTest {
    /** The JUnit tag of kernel tests. */
    String TAG = "kernel";
}
