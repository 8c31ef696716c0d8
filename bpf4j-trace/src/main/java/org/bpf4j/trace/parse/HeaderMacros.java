package org.bpf4j.trace.parse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The object-like macros an {@code #include} brings into a script. Without a C compiler, bpf4j
 * takes the types of a header from the kernel's BTF and only its macros from the header: it reads
 * the header (and the headers it includes) from the system's include directories when they are
 * there, taking the first {@code #define NAME value} of each name (conditionals in headers are
 * evaluated only where they test the machine, see {@link Conditionals}), and adds the constants of the kernel-internal headers tools include, which only a
 * kernel source tree has ({@code TASK_RUNNING} of {@code <linux/sched.h>}, the address families
 * of {@code <linux/socket.h>}). A header found nowhere brings no macros (its types still come
 * from BTF).
 */
public final class HeaderMacros {
    /** At most this many files are read for one {@code #include}. */
    private static final int MAX_FILES = 200;

    private static final Map<String, String> TASK_STATES = ordered(
            "TASK_RUNNING", "0x00000000", "TASK_INTERRUPTIBLE", "0x00000001", "TASK_UNINTERRUPTIBLE", "0x00000002",
            "__TASK_STOPPED", "0x00000004", "__TASK_TRACED", "0x00000008", "EXIT_DEAD", "0x00000010",
            "EXIT_ZOMBIE", "0x00000020", "EXIT_TRACE", "(EXIT_ZOMBIE | EXIT_DEAD)", "TASK_PARKED", "0x00000040",
            "TASK_DEAD", "0x00000080", "TASK_WAKEKILL", "0x00000100", "TASK_WAKING", "0x00000200",
            "TASK_NOLOAD", "0x00000400", "TASK_NEW", "0x00000800", "TASK_KILLABLE", "(TASK_WAKEKILL | TASK_UNINTERRUPTIBLE)",
            "TASK_STOPPED", "(TASK_WAKEKILL | __TASK_STOPPED)", "TASK_TRACED", "__TASK_TRACED",
            "TASK_IDLE", "(TASK_UNINTERRUPTIBLE | TASK_NOLOAD)", "TASK_NORMAL", "(TASK_INTERRUPTIBLE | TASK_UNINTERRUPTIBLE)",
            "TASK_COMM_LEN", "16");

    private static final Map<String, String> ADDRESS_FAMILIES = ordered(
            "AF_UNSPEC", "0", "AF_UNIX", "1", "AF_LOCAL", "1", "AF_INET", "2", "AF_AX25", "3", "AF_IPX", "4",
            "AF_APPLETALK", "5", "AF_NETROM", "6", "AF_BRIDGE", "7", "AF_ATMPVC", "8", "AF_X25", "9", "AF_INET6", "10",
            "AF_ROSE", "11", "AF_DECnet", "12", "AF_NETBEUI", "13", "AF_SECURITY", "14", "AF_KEY", "15",
            "AF_NETLINK", "16", "AF_ROUTE", "AF_NETLINK", "AF_PACKET", "17", "AF_ASH", "18", "AF_ECONET", "19",
            "AF_ATMSVC", "20", "AF_RDS", "21", "AF_SNA", "22", "AF_IRDA", "23", "AF_PPPOX", "24", "AF_WANPIPE", "25",
            "AF_LLC", "26", "AF_IB", "27", "AF_MPLS", "28", "AF_CAN", "29", "AF_TIPC", "30", "AF_BLUETOOTH", "31",
            "AF_IUCV", "32", "AF_RXRPC", "33", "AF_ISDN", "34", "AF_PHONET", "35", "AF_IEEE802154", "36",
            "AF_CAIF", "37", "AF_ALG", "38", "AF_NFC", "39", "AF_VSOCK", "40", "AF_KCM", "41", "AF_QIPCRTR", "42",
            "AF_SMC", "43", "AF_XDP", "44", "AF_MCTP", "45", "AF_MAX", "46");

    /** Constants of kernel-internal headers (include/linux, include/net of a kernel tree), by header. */
    private static final Map<String, Map<String, String>> KERNEL = Map.of(
            "linux/sched.h", TASK_STATES,
            "linux/socket.h", ADDRESS_FAMILIES,
            "net/sock.h", ADDRESS_FAMILIES,
            "sys/socket.h", ADDRESS_FAMILIES);

    /**
     * Headers a kernel tree's header includes that the system's (uapi) header of that name does
     * not: the kernel's {@code <linux/in.h>} brings {@code <linux/errno.h>} (the book's
     * soaccept.bt and soconnect.bt take {@code EPERM} from it).
     */
    private static final Map<String, List<String>> KERNEL_INCLUDES = Map.of(
            "linux/in.h", List.of("linux/errno.h"));

    private final List<Path> dirs;
    private final Map<String, Map<String, String>> cache = new HashMap<>();

    private final boolean permissive;

    private HeaderMacros(List<Path> dirs, boolean permissive) {
        this.dirs = List.copyOf(dirs);
        this.permissive = permissive;
    }

    /** Headers from this machine's include directories, plus the kernel-internal constants. */
    public static HeaderMacros system() {
        return new HeaderMacros(List.of(Path.of("/usr/local/include"), Path.of("/usr/include/x86_64-linux-gnu"),
                Path.of("/usr/include")), false);
    }

    /**
     * These headers with {@code dirs} searched first ({@code -I DIR}), for {@code #include "x.h"}
     * and {@code #include <x.h>} alike.
     */
    public HeaderMacros withDirs(List<Path> first) {
        List<Path> all = new ArrayList<>(first);
        all.addAll(dirs);
        return new HeaderMacros(all, permissive);
    }

    /**
     * Only the kernel-internal constants (no files read, every header accepted): for tests that
     * must not depend on the machine.
     */
    public static HeaderMacros builtin() {
        return new HeaderMacros(List.of(), true);
    }

    /** The directories of a kernel tree's include paths, whose headers are accepted without the files. */
    private static final Set<String> KERNEL_DIRS = Set.of("linux", "net", "uapi", "asm",
            "asm-generic", "trace", "scsi", "xen", "crypto", "keys", "sound", "video", "drm", "media", "rdma", "soc",
            "kvm", "misc", "ras", "target", "acpi", "vdso", "clocksource", "pcmcia", "math-emu", "dt-bindings");

    /**
     * Whether {@code #include <header>} is accepted: a header of a kernel tree (its types come
     * from BTF, so the file need not be here), or one found in the include directories.
     */
    public boolean accepts(String header) {
        int slash = header.indexOf('/');
        return permissive || slash > 0 && KERNEL_DIRS.contains(header.substring(0, slash)) || locate(header) != null;
    }

    /** The macros {@code #include <header>} defines (possibly none). */
    public Map<String, String> macros(String header) {
        return cache.computeIfAbsent(header, this::read);
    }

    private Map<String, String> read(String header) {
        Map<String, String> found = new LinkedHashMap<>(KERNEL.getOrDefault(header, Map.of()));
        Set<Path> seen = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>();
        todo.add(header);
        Set<String> named = new HashSet<>();
        while (!todo.isEmpty() && seen.size() < MAX_FILES) {
            String name = todo.poll();
            if (named.add(name)) {
                // the kernel-internal constants of every header in the closure (<linux/in.h> includes
                // <linux/socket.h>, whose address families only a kernel tree's copy defines)
                KERNEL.getOrDefault(name, Map.of()).forEach(found::putIfAbsent);
                todo.addAll(KERNEL_INCLUDES.getOrDefault(name, List.of()));
            }
            Path file = locate(name);
            if (file == null || !seen.add(file)) {
                continue;
            }
            List<String> lines;
            try {
                lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
            } catch (IOException e) {
                continue;
            }
            StringBuilder joined = new StringBuilder();
            Conditionals cond = new Conditionals();
            for (String line : lines) {
                if (line.endsWith("\\")) {
                    joined.append(line, 0, line.length() - 1).append(' ');
                    continue;
                }
                joined.append(line);
                String text = joined.toString().strip();
                joined.setLength(0);
                if (text.startsWith("#") && cond.directive(Preprocessor.stripComments(text.substring(1)).strip())) {
                    continue;
                }
                if (cond.active()) {
                    scan(text, found, todo);
                }
            }
        }
        return Map.copyOf(found);
    }

    /** The macros that say which machine a header is compiled for, and which of them this one defines. */
    private static final Set<String> ARCH_MACROS = Set.of("__i386__", "__i386", "__ILP32__", "_ILP32", "__x86_64__",
            "__x86_64", "__amd64__", "__amd64", "__LP64__", "_LP64", "__aarch64__", "__arm__", "__powerpc__",
            "__powerpc64__", "__s390__", "__s390x__", "__mips__", "__riscv", "__sparc__", "__loongarch__");
    private static final Set<String> THIS_ARCH = "aarch64".equals(System.getProperty("os.arch"))
            ? Set.of("__aarch64__", "__LP64__", "_LP64") : Set.of("__x86_64__", "__x86_64", "__amd64__", "__amd64",
            "__LP64__", "_LP64");

    /**
     * The conditionals of one header, evaluated as far as they test which machine it is compiled
     * for ({@code #ifdef __i386__ ... #elif defined(__ILP32__) ... #else}, as {@code <asm/unistd.h>}
     * chooses the system call numbers): a branch that cannot be for this machine is skipped, every
     * other condition is taken as true (the first definition of a name wins, as before).
     */
    private static final class Conditionals {
        /** One {@code #if} level: whether its branch is read, whether a branch was surely taken. */
        private record Level(boolean outer, boolean active, boolean taken) {}

        private final Deque<Level> levels = new ArrayDeque<>();

        boolean active() {
            return levels.isEmpty() || levels.peek().active();
        }

        /** Follows a conditional directive (the text after {@code #}); false if it is not one. */
        boolean directive(String body) {
            String word = body.split("[\\s(!]", 2)[0];
            String rest = body.substring(word.length()).strip();
            switch (word) {
                case "if", "ifdef", "ifndef" -> {
                    Boolean c = word.equals("if") ? evaluate(rest) : known(rest.split("\\s+", 2)[0]);
                    if (c != null && word.equals("ifndef")) {
                        c = !c;
                    }
                    boolean outer = active();
                    levels.push(new Level(outer, outer && !Boolean.FALSE.equals(c), Boolean.TRUE.equals(c)));
                }
                case "elif" -> {
                    Level l = levels.poll();
                    if (l == null) {
                        return true;
                    }
                    Boolean c = l.taken() ? Boolean.FALSE : evaluate(rest);
                    levels.push(new Level(l.outer(), l.outer() && !Boolean.FALSE.equals(c),
                            l.taken() || Boolean.TRUE.equals(c)));
                }
                case "else" -> {
                    Level l = levels.poll();
                    if (l != null) {
                        levels.push(new Level(l.outer(), l.outer() && !l.taken(), true));
                    }
                }
                case "endif" -> levels.poll();
                default -> {
                    return false;
                }
            }
            return true;
        }

        /** {@code defined(X)}, {@code defined X}, {@code !defined(X)} of a machine macro; else null (unknown). */
        private static Boolean evaluate(String expr) {
            Matcher m = Pattern.compile("(!\\s*)?defined\\s*\\(?\\s*(\\w+)\\s*\\)?")
                    .matcher(expr.strip());
            if (!m.matches()) {
                return null;
            }
            Boolean v = known(m.group(2));
            if (v == null || m.group(1) == null) {
                return v;
            }
            return !v;
        }

        private static Boolean known(String macro) {
            return ARCH_MACROS.contains(macro) ? THIS_ARCH.contains(macro) : null;
        }
    }

    private static void scan(String line, Map<String, String> found, Deque<String> todo) {
        if (!line.startsWith("#")) {
            return;
        }
        String body = Preprocessor.stripComments(line.substring(1)).strip();
        if (body.startsWith("include")) {
            String rest = body.substring("include".length()).strip();
            int close = rest.startsWith("<") ? rest.indexOf('>') : rest.startsWith("\"") ? rest.indexOf('"', 1) : -1;
            if (close > 1) {
                todo.add(rest.substring(1, close));
            }
            return;
        }
        if (!body.startsWith("define")) {
            return;
        }
        String rest = body.substring("define".length());
        if (rest.isEmpty() || !Character.isWhitespace(rest.charAt(0))) {
            return;
        }
        rest = rest.strip();
        int i = 0;
        while (i < rest.length() && (Character.isLetterOrDigit(rest.charAt(i)) || rest.charAt(i) == '_')) {
            i++;
        }
        if (i == 0 || i < rest.length() && rest.charAt(i) == '(') {
            return; // no name, or a function-like macro
        }
        String value = rest.substring(i).strip();
        if (!value.isEmpty()) {
            found.putIfAbsent(rest.substring(0, i), value);
        }
    }

    private Path locate(String header) {
        for (Path d : dirs) {
            Path p;
            try {
                p = d.resolve(header);
            } catch (InvalidPathException e) {
                return null; // a name no file can have (a NUL byte in it): not found
            }
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    private static Map<String, String> ordered(String... kv) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return Collections.unmodifiableMap(m);
    }
}
