package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The number of possible CPUs, as the kernel sizes per-CPU map values: one slot per CPU in
 * {@code /sys/devices/system/cpu/possible} (such as {@code 0-3} or {@code 0,2-5}).
 */
public final class PossibleCpus {
    private static final Path FILE = Path.of("/sys/devices/system/cpu/possible");
    private static volatile int cached;

    private PossibleCpus() {
    }

    /** The number of possible CPUs on this machine (read once). */
    public static int count() {
        int n = cached;
        if (n == 0) {
            try {
                n = parse(Files.readString(FILE));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + FILE + ": " + e.getMessage(), e);
            }
            cached = n;
        }
        return n;
    }

    /**
     * The number of CPUs in a list such as {@code 0-3,8-11}.
     *
     * @throws IllegalArgumentException if the text is not such a list
     */
    public static int parse(String text) {
        int n = 0;
        for (String part : text.strip().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            try {
                int dash = part.indexOf('-');
                if (dash < 0) {
                    Integer.parseInt(part);
                    n++;
                } else {
                    int lo = Integer.parseInt(part.substring(0, dash));
                    int hi = Integer.parseInt(part.substring(dash + 1));
                    if (hi < lo) {
                        throw new IllegalArgumentException("bad CPU range '" + part + "'");
                    }
                    n += hi - lo + 1;
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad CPU list '" + text.strip() + "'", e);
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("empty CPU list");
        }
        return n;
    }
}
