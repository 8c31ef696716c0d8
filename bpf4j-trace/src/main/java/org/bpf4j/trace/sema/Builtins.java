package org.bpf4j.trace.sema;

import java.util.List;
import java.util.Map;
import java.util.Set;

/** The builtin variables and functions of the language, with their types where fixed. */
public final class Builtins {
    private Builtins() {}

    /** Default size of strings ({@code BPFTRACE_STRLEN}). */
    public static final int STRLEN = 64;

    /** The most frames a stack map keeps ({@code PERF_MAX_STACK_DEPTH}), and a stack's default limit. */
    public static final int STACK_FRAMES = 127;

    /**
     * Builtin variables with a fixed type: current bpftrace's (its type resolver's for {@code pid},
     * {@code tid}, {@code cpu}, {@code cpid}; its standard library's macros for the others:
     * {@code uid}, {@code gid}, {@code rand}, {@code numaid} are 64-bit there).
     */
    public static final Map<String, Type> VARIABLES = Map.ofEntries(
            Map.entry("pid", Type.UINT32), Map.entry("tid", Type.UINT32), Map.entry("uid", Type.UINT64),
            Map.entry("gid", Type.UINT64), Map.entry("nsecs", Type.UINT64), Map.entry("elapsed", Type.UINT64),
            Map.entry("cpu", Type.UINT64), Map.entry("numaid", Type.UINT64), Map.entry("rand", Type.UINT64),
            Map.entry("comm", new Type.Str(16)), Map.entry("probe", new Type.ProbeName()),
            Map.entry("jiffies", Type.UINT64), Map.entry("cgroup", Type.UINT64), Map.entry("curtask", Type.UINT64),
            Map.entry("retval", Type.UINT64), Map.entry("ncpus", Type.UINT64), Map.entry("cpid", Type.UINT64),
            Map.entry("ppid", Type.UINT32), Map.entry("pcomm", new Type.Str(16)),
            Map.entry("leader_comm", new Type.Str(16)));

    /** Builtins the VM backend does not provide yet (they need kernel state). */
    public static final Set<String> UNSUPPORTED_VARIABLES = Set.of("args",
            "__builtin_func");

    /** The aggregation functions, which are assigned to maps. */
    public static final Map<String, Type.AggKind> AGGREGATIONS = Map.of("count", Type.AggKind.COUNT, "sum",
            Type.AggKind.SUM, "min", Type.AggKind.MIN, "max", Type.AggKind.MAX, "avg", Type.AggKind.AVG, "stats",
            Type.AggKind.STATS, "hist", Type.AggKind.HIST, "lhist", Type.AggKind.LHIST,
            "tseries", Type.AggKind.TSERIES);

    /** Functions of bpftrace that bpf4j trace does not implement yet. */
    public static final Set<String> UNSUPPORTED_FUNCTIONS = Set.of("override",
            "offsetof", "percpu_kaddr", "unwatch");

    /** The clocks of current bpftrace's {@code nsecs(CLOCK)}, with the helper that reads each. */
    public static final Map<String, String> CLOCKS = Map.of("monotonic", "ktime_get_ns", "boot", "ktime_get_boot_ns",
            "tai", "ktime_get_tai_ns", "sw_tai", "ktime_get_tai_ns");

    /**
     * Whether {@code name} is a builtin variable or function of bpf4j trace (where current bpftrace
     * has one, often a macro of its standard library): a user macro of that name whose definitions
     * do not fit a call leaves the call to the builtin, as bpftrace's lookup falls back to its
     * standard library's overloads. Reads the catalogs: {@link #VARIABLES}, {@link #AGGREGATIONS},
     * {@link #UNSUPPORTED_FUNCTIONS}, {@link #FUNCTIONS}, the standard library's and the BTF pointer
     * functions'.
     */
    public static boolean isBuiltinName(String name) {
        return VARIABLES.containsKey(name) || AGGREGATIONS.containsKey(name) || isArg(name)
                || UNSUPPORTED_FUNCTIONS.contains(name) || StdlibCalls.NAMES.contains(name)
                || BtfPointerCalls.handles(name) || FUNCTIONS.contains(name);
    }

    /**
     * The catalog of the functions the type checker types by name: the labels of its switch
     * ({@code Calls.call}), the functions it treats in that switch's default ({@code write_user},
     * {@code unwatch}, {@code offsetof}) and builtin variables also called as functions
     * ({@code comm()}, {@code cpu()}). {@code BuiltinsCatalogTest} fails when a label of the type
     * checker's or the code generator's switch is not a builtin name, or a name here is an unknown
     * function.
     */
    public static final Set<String> FUNCTIONS = Set.of("bswap", "buf", "cat", "cgroup_path", "cgroupid", "clear",
            "debugf", "delete", "dw_ustack", "errorf", "exit", "getopt", "has_key", "join", "kaddr", "kptr", "kstack",
            "ksym", "len", "macaddr", "nsecs", "ntop", "percpu_kaddr", "pid", "ppid", "print", "printf", "pton", "reg",
            "signal", "signal_name", "signal_thread", "sizeof", "str", "strcontains", "strerror", "strftime", "strlen",
            "strncmp", "syscall_name", "system", "tid", "time", "typeinfo", "uaddr", "uptr", "username", "ustack",
            "usym", "warnf", "zero", "write_user", "unwatch", "offsetof", "comm", "cpu");

    /** True for {@code arg0}..{@code argN} and {@code sarg0}..{@code sargN}. */
    public static boolean isArg(String name) {
        return name.matches("s?arg[0-9]+");
    }

    private static final List<String> SIGNALS = List.of("SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP",
            "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM",
            "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU",
            "SIGXFSZ", "SIGVTALRM", "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS");

    /** The number of a Linux signal name ({@code SIGKILL} or {@code KILL}), or -1. */
    public static int signalNumber(String name) {
        int i = SIGNALS.indexOf(name.startsWith("SIG") ? name : "SIG" + name);
        return i < 0 ? -1 : i + 1;
    }
}
