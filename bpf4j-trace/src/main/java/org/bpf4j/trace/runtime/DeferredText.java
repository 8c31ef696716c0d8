package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.bpf4j.linux.sys.Native;
import org.bpf4j.trace.Glob;
import org.bpf4j.trace.sema.Type;

/**
 * The text user space prints for a {@link Type.Deferred} value, looked up when it is printed (as
 * current bpftrace does): an errno's message from the C library, a user id's name from
 * {@code /etc/passwd}, a cgroup id's path in each mounted cgroup hierarchy. Not thread-safe (the
 * runtime prints from one thread).
 */
final class DeferredText {
    private final Map<Long, String> users = new HashMap<>();
    private final Map<String, String> cgroupPaths = new HashMap<>();
    private List<String[]> roots;

    /** The text of value {@code v} of type {@code t}. */
    String text(Type.Deferred t, long v) {
        return switch (t.kind()) {
            case STRERROR -> Native.strerror((int) v);
            case USERNAME -> username(v & 0xffff_ffffL);
            case CGROUP_PATH -> cgroupPath(v, t.filter());
            case SYSCALL_NAME -> syscallName(v);
            case SIGNAL_NAME -> signalName(v);
        };
    }

    private static final List<String> SIGNALS = List.of("Unknown signal 0", "Hangup", "Interrupt", "Quit",
            "Illegal instruction", "Trace/breakpoint trap", "Aborted", "Bus error", "Floating point exception",
            "Killed", "User defined signal 1", "Segmentation fault", "User defined signal 2", "Broken pipe",
            "Alarm clock", "Terminated", "Stack fault", "Child exited", "Continued", "Stopped (signal)", "Stopped",
            "Stopped (tty input)", "Stopped (tty output)", "Urgent I/O condition", "CPU time limit exceeded",
            "File size limit exceeded", "Virtual timer expired", "Profiling timer expired", "Window changed",
            "I/O possible", "Power failure", "Bad system call");

    /**
     * strsignal(3)'s text for Linux signal {@code sig} (glibc's words; 32 and 33 are reserved by
     * glibc, 34 to 64 the real-time signals), "N/A" outside 0..64, as current bpftrace prints it.
     */
    static String signalName(long v) {
        int sig = (int) v;
        if (sig >= 0 && sig < SIGNALS.size()) {
            return SIGNALS.get(sig);
        }
        if (sig == 32 || sig == 33) {
            return "Unknown signal " + sig;
        }
        return sig >= 34 && sig <= 64 ? "Real-time signal " + (sig - 34) : "N/A";
    }

    private Map<Long, String> syscalls;

    /**
     * The name of system call number {@code nr} on this machine, from the {@code __NR_*} numbers
     * of the installed kernel headers ({@code asm/unistd_64.h}); the number itself if unknown.
     */
    private String syscallName(long nr) {
        if (syscalls == null) {
            syscalls = new HashMap<>();
            Pattern def = Pattern.compile("#define\\s+__NR_(\\w+)\\s+([0-9]+)\\s*");
            for (String header : List.of("/usr/include/x86_64-linux-gnu/asm/unistd_64.h", "/usr/include/asm/unistd_64.h",
                    "/usr/include/aarch64-linux-gnu/asm/unistd.h", "/usr/include/asm-generic/unistd.h")) {
                try (Stream<String> lines = Files.lines(Path.of(header))) {
                    lines.map(def::matcher).filter(Matcher::matches)
                            .forEach(m -> syscalls.putIfAbsent(Long.parseLong(m.group(2)), m.group(1)));
                } catch (IOException | UncheckedIOException e) {
                    continue; // not this machine's header
                }
                if (!syscalls.isEmpty()) {
                    break;
                }
            }
        }
        return syscalls.getOrDefault(nr, Long.toString(nr));
    }

    /** The name of user {@code uid} in {@code /etc/passwd}, or "" if it has none. */
    private String username(long uid) {
        return users.computeIfAbsent(uid, u -> {
            try (Stream<String> lines = Files.lines(Path.of("/etc/passwd"))) {
                return lines.map(l -> l.split(":", -1)).filter(f -> f.length >= 3 && f[2].equals(Long.toString(u)))
                        .map(f -> f[0]).findFirst().orElse("");
            } catch (IOException | UncheckedIOException e) {
                return "";
            }
        });
    }

    /**
     * The paths of cgroup {@code id} as {@code NAME:PATH} joined by commas: the cgroup v2 hierarchy
     * (named "unified") first, then the v1 hierarchies (named after their mount directory) sorted
     * by name; only hierarchies whose name matches the wildcard {@code filter}, only those where the
     * id is found.
     */
    private String cgroupPath(long id, String filter) {
        Pattern match = Glob.starsOnly(filter);
        List<String> out = new ArrayList<>();
        for (String[] root : roots()) {
            if (match.matcher(root[0]).matches()) {
                String p = pathIn(id, root[1]);
                if (!p.isEmpty()) {
                    out.add(root[0] + ":" + p);
                }
            }
        }
        return String.join(",", out);
    }

    /** The mounted hierarchies, {name, mount point}: cgroup2 ("unified") first, then v1 sorted by name. */
    private List<String[]> roots() {
        if (roots == null) {
            List<String[]> v2 = new ArrayList<>();
            List<String[]> v1 = new ArrayList<>();
            try {
                for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
                    String[] f = line.split(" ");
                    if (f.length < 3) {
                        continue;
                    }
                    if (f[2].equals("cgroup2")) {
                        v2.add(new String[] {"unified", f[1]});
                    } else if (f[2].equals("cgroup")) {
                        v1.add(new String[] {Path.of(f[1]).getFileName().toString(), f[1]});
                    }
                }
            } catch (IOException e) {
                // no /proc/mounts: no hierarchy to look in
            }
            v1.sort((a, b) -> a[0].compareTo(b[0]));
            roots = new ArrayList<>(v2);
            roots.addAll(v1);
        }
        return roots;
    }

    /** The path of the directory under {@code base} whose inode number is {@code id} ("/" for base), or "". */
    private String pathIn(long id, String base) {
        String key = id + "\0" + base;
        String cached = cgroupPaths.get(key);
        if (cached != null && inode(Path.of(base + (cached.equals("/") ? "" : cached))) == id) {
            return cached;
        }
        Path root = Path.of(base);
        if (inode(root) == id) {
            cgroupPaths.put(key, "/");
            return "/";
        }
        try (Stream<Path> dirs = Files.walk(root)) {
            String found = dirs.filter(Files::isDirectory).filter(d -> inode(d) == id).findFirst()
                    .map(d -> d.toString().substring(base.length())).orElse("");
            if (!found.isEmpty()) {
                cgroupPaths.put(key, found);
            }
            return found;
        } catch (IOException | UncheckedIOException e) {
            return "";
        }
    }

    private static long inode(Path p) {
        try {
            return ((Number) Files.getAttribute(p, "unix:ino", LinkOption.NOFOLLOW_LINKS)).longValue();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }
}
