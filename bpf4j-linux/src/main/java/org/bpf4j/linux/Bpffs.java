package org.bpf4j.linux;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.sys.Native;

/**
 * The bpf file system, where maps, programs and links are pinned: {@code /sys/fs/bpf} by
 * convention. Tells whether a directory is on one (from {@code /proc/self/mounts}) and mounts or
 * unmounts one. Stateless.
 */
public final class Bpffs {
    /** The conventional mount point. */
    public static final Path DEFAULT = Path.of("/sys/fs/bpf");

    private Bpffs() {
    }

    /** Whether {@code dir} is the mount point of a bpf file system. */
    public static boolean isMountPoint(Path dir) {
        String want = dir.toAbsolutePath().normalize().toString();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"), StandardCharsets.UTF_8)) {
                String[] f = line.split(" ");
                if (f.length > 2 && f[2].equals("bpf") && f[1].equals(want)) {
                    return true;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read /proc/self/mounts: " + e.getMessage(), e);
        }
        return false;
    }

    /** Whether {@code path} lies on a bpf file system (it or one of its parents is a mount point). */
    public static boolean contains(Path path) {
        for (Path p = path.toAbsolutePath().normalize(); p != null; p = p.getParent()) {
            if (isMountPoint(p)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Mounts a bpf file system at {@code dir} (which must exist), unless one is mounted there.
     *
     * @return whether this call mounted it (and so should unmount it)
     * @throws KernelException if mount(2) fails
     */
    public static boolean mount(Path dir) {
        if (isMountPoint(dir)) {
            return false;
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.captureSegment(a);
            MemorySegment target = a.allocateFrom(dir.toAbsolutePath().toString(), StandardCharsets.UTF_8);
            MemorySegment type = a.allocateFrom("bpf", StandardCharsets.UTF_8);
            if (Native.mount(cap, type, target, type, 0, MemorySegment.NULL) < 0) {
                throw new KernelException("mount", Native.errno(cap), "mounting a bpf file system at " + dir);
            }
        }
        return true;
    }

    /**
     * Unmounts the file system at {@code dir}.
     *
     * @throws KernelException if umount2(2) fails
     */
    public static void unmount(Path dir) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cap = Native.captureSegment(a);
            if (Native.umount2(cap, a.allocateFrom(dir.toAbsolutePath().toString(), StandardCharsets.UTF_8), 0) < 0) {
                throw new KernelException("umount2", Native.errno(cap), "unmounting " + dir);
            }
        }
    }
}
