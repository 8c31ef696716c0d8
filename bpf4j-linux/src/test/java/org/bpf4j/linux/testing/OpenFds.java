package org.bpf4j.linux.testing;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The process's open file descriptors that refer to kernel objects bpf4j creates (maps,
 * programs, BTF, links, perf events, epoll instances), from {@code /proc/self/fd}. Other
 * descriptors (jar files, sockets of the test runner) come and go with the JVM and are ignored.
 */
public final class OpenFds {
    private OpenFds() {
    }

    /** {@code "fd -> target"} for every bpf-related descriptor, in fd order. */
    public static List<String> bpfFds() {
        List<String> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
            for (Path p : ds) {
                String target;
                try {
                    target = Files.readSymbolicLink(p).toString();
                } catch (IOException e) {
                    continue; // closed meanwhile (the directory stream's own fd)
                }
                if (target.startsWith("anon_inode:bpf") || target.equals("anon_inode:btf")
                        || target.startsWith("anon_inode:[perf_event") || target.equals("anon_inode:[eventpoll]")
                        || target.equals("anon_inode:bpf_link")) {
                    out.add(p.getFileName() + " -> " + target);
                }
            }
        } catch (IOException e) {
            return List.of();
        }
        out.sort(null);
        return out;
    }
}
