package org.bpf4j.linux.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.sys.Posix;

/**
 * The tracing file system: where it is mounted, and the ids of tracepoints
 * ({@code events/CATEGORY/NAME/id}). If neither {@code /sys/kernel/tracing} nor
 * {@code /sys/kernel/debug/tracing} holds it, {@link #root()} mounts tracefs at
 * {@code /sys/kernel/tracing} (as perf and bpftrace expect to find it) and leaves it mounted.
 * Thread-safe.
 */
public final class Tracefs {
    private static final List<Path> CANDIDATES = List.of(Path.of("/sys/kernel/tracing"),
            Path.of("/sys/kernel/debug/tracing"));
    private static volatile Path root;
    private static volatile boolean mountedHere;

    private Tracefs() {
    }

    /**
     * The directory where tracefs is mounted, mounting it if needed.
     *
     * @throws Bpf4jException if it is not mounted and cannot be mounted
     */
    public static Path root() {
        Path r = root;
        if (r == null) {
            synchronized (Tracefs.class) {
                r = root;
                if (r == null) {
                    r = find();
                    root = r;
                }
            }
        }
        return r;
    }

    private static Path find() {
        for (Path p : CANDIDATES) {
            if (Files.isDirectory(p.resolve("events"))) {
                return p;
            }
        }
        Path target = CANDIDATES.get(0);
        try {
            if (!Files.isDirectory(target)) {
                throw new Bpf4jException("tracefs is not mounted and " + target + " does not exist");
            }
            Posix.mount("tracefs", target.toString(), "tracefs");
            mountedHere = true;
        } catch (RuntimeException e) {
            throw new Bpf4jException("tracefs is not mounted (looked in " + CANDIDATES + ") and mounting it at "
                    + target + " failed: " + e.getMessage(), e);
        }
        return target;
    }

    /** Whether {@link #root()} mounted tracefs in this process (and it is still mounted). */
    public static boolean mountedHere() {
        return mountedHere;
    }

    /**
     * Unmounts tracefs if {@link #root()} mounted it in this process (tests use this to leave the
     * machine as they found it); otherwise does nothing. A later {@link #root()} mounts it again.
     *
     * @throws org.bpf4j.linux.KernelException if unmounting fails
     */
    public static void unmountIfMountedHere() {
        synchronized (Tracefs.class) {
            if (mountedHere) {
                Posix.umount(root.toString());
                mountedHere = false;
                root = null;
            }
        }
    }

    /**
     * The id of tracepoint {@code category/name}, for {@code perf_event_open} with
     * {@code PERF_TYPE_TRACEPOINT}.
     *
     * @throws Bpf4jException if there is no such tracepoint
     */
    public static long tracepointId(String category, String name) {
        if (!category.matches("[A-Za-z0-9_.-]+") || !name.matches("[A-Za-z0-9_.-]+")) {
            throw new Bpf4jException("'" + category + "/" + name + "' is not a tracepoint name");
        }
        Path id = root().resolve("events").resolve(category).resolve(name).resolve("id");
        try {
            return Long.parseLong(Files.readString(id).trim());
        } catch (java.nio.file.NoSuchFileException e) {
            throw new Bpf4jException("no tracepoint " + category + "/" + name + " (" + id + " does not exist)");
        } catch (IOException | NumberFormatException e) {
            throw new Bpf4jException("cannot read the id of tracepoint " + category + "/" + name + " from " + id
                    + ": " + e.getMessage(), e);
        }
    }
}
