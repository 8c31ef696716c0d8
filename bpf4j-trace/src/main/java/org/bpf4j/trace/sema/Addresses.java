package org.bpf4j.trace.sema;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Compile-time values of {@code pton()} and {@code cgroupid()}. Stateless. */
public final class Addresses {
    private Addresses() {}

    /**
     * The bytes of an IPv4 (dotted quad) or IPv6 address as inet_pton(3) reads them, or null if the
     * text is not one. The family is chosen as bpftrace does: by a '.' (IPv4), else a ':' (IPv6).
     */
    public static byte[] pton(String text) {
        if (text.contains(".")) {
            return ipv4(text);
        }
        if (text.contains(":")) {
            return ipv6(text);
        }
        return null;
    }

    private static byte[] ipv4(String text) {
        String[] parts = text.split("\\.", -1);
        if (parts.length != 4) {
            return null;
        }
        byte[] out = new byte[4];
        for (int i = 0; i < 4; i++) {
            String p = parts[i];
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(Character::isDigit)
                    || p.length() > 1 && p.charAt(0) == '0') {
                return null;
            }
            int v = Integer.parseInt(p);
            if (v > 255) {
                return null;
            }
            out[i] = (byte) v;
        }
        return out;
    }

    private static byte[] ipv6(String text) {
        int gap = text.indexOf("::");
        if (gap >= 0 && text.indexOf("::", gap + 1) >= 0) {
            return null;
        }
        String head = gap >= 0 ? text.substring(0, gap) : text;
        String tail = gap >= 0 ? text.substring(gap + 2) : "";
        List<Integer> h = groups(head);
        List<Integer> t = groups(tail);
        if (h == null || t == null) {
            return null;
        }
        // An IPv4 tail ("::ffff:1.2.3.4") counts as two groups, marked by a negative entry.
        int count = words(h) + words(t);
        if (gap < 0 ? count != 8 : count > 7) {
            return null;
        }
        byte[] out = new byte[16];
        int pos = put(out, 0, h);
        if (put(out, 16 - 2 * words(t), t) < 0 || pos < 0) {
            return null;
        }
        return out;
    }

    private static int words(List<Integer> g) {
        int n = 0;
        for (int v : g) {
            n += v < -1 ? 2 : 1;
        }
        return n;
    }

    private static int put(byte[] out, int at, List<Integer> groups) {
        for (int v : groups) {
            if (v < -1) { // an IPv4 address, stored as -(addr + 2)
                long a = -(long) v - 2;
                for (int k = 3; k >= 0; k--) {
                    out[at++] = (byte) (a >>> (8 * k));
                }
            } else {
                out[at++] = (byte) (v >>> 8);
                out[at++] = (byte) v;
            }
        }
        return at;
    }

    private static List<Integer> groups(String s) {
        List<Integer> out = new ArrayList<>();
        if (s.isEmpty()) {
            return out;
        }
        String[] parts = s.split(":", -1);
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (i == parts.length - 1 && p.contains(".")) {
                byte[] v4 = ipv4(p);
                if (v4 == null) {
                    return null;
                }
                long a = (v4[0] & 0xffL) << 24 | (v4[1] & 0xff) << 16 | (v4[2] & 0xff) << 8 | (v4[3] & 0xff);
                out.add((int) -(a + 2));
                continue;
            }
            if (p.isEmpty() || p.length() > 4 || !p.matches("[0-9a-fA-F]+")) {
                return null;
            }
            out.add(Integer.parseInt(p, 16));
        }
        return out;
    }

    /**
     * The id of the cgroup v2 directory at {@code path} (its inode number, which is the kernfs id
     * {@code bpf_get_current_cgroup_id} returns), or -1 if it cannot be read.
     */
    public static long cgroupId(String path) {
        try {
            return ((Number) Files.getAttribute(Path.of(path), "unix:ino")).longValue();
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return -1;
        }
    }

    /** Why {@link #cgroupId} cannot read {@code path}, or null if it can. */
    static String cgroupIdProblem(String path) {
        if (path.isEmpty()) {
            return "No such file or directory"; // as open("") (Path.of("") would be the working directory)
        }
        try {
            Files.getAttribute(Path.of(path), "unix:ino");
            return null;
        } catch (NoSuchFileException e) {
            return "No such file or directory";
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        }
    }
}
