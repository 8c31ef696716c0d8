package org.bpf4j.trace.codegen;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The PID namespace the tracer runs in, named as {@code bpf_get_ns_current_pid_tgid} wants it:
 * the device and inode of {@code /proc/self/ns/pid}. When the tracer is not in the initial
 * namespace, {@code pid}, {@code tid} (and the process ids of {@code ustack}, {@code usym}) are
 * the ids seen from this namespace, as current bpftrace; {@code pid(init)}, {@code tid(init)} are
 * always the initial namespace's.
 *
 * @param dev the device of the namespace file ({@code st_dev})
 * @param ino its inode ({@code st_ino}), the namespace's id
 */
public record PidNamespace(long dev, long ino) {
    /** The inode of the initial PID namespace (the kernel's {@code PROC_PID_INIT_INO}). */
    public static final long INIT_INO = 0xeffffffcL;

    /** This process's namespace when it is not the initial one; empty in the initial one or when unreadable. */
    public static Optional<PidNamespace> ofThisProcess() {
        try {
            Path ns = Path.of("/proc/self/ns/pid");
            long ino = ((Number) Files.getAttribute(ns, "unix:ino")).longValue();
            long dev = ((Number) Files.getAttribute(ns, "unix:dev")).longValue();
            return ino == INIT_INO ? Optional.empty() : Optional.of(new PidNamespace(dev, ino));
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            return Optional.empty();
        }
    }
}
