package org.bpf4j.trace.sema;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.ConfigEntry;
import org.bpf4j.trace.probe.AttachPoints;

/**
 * The config variables of a run, as bpftrace takes them: its default, then the script's
 * {@code config = { ... }} block, then the {@code BPFTRACE_*} environment variables (which win, as
 * in current bpftrace). Keys are written in the short form ({@code max_strlen}) or the environment
 * form ({@code BPFTRACE_MAX_STRLEN}); bpftrace 0.17's names ({@code BPFTRACE_STRLEN},
 * {@code BPFTRACE_MAP_KEYS_MAX}, {@code BPFTRACE_CAT_BYTES_MAX}) are accepted too. Immutable.
 *
 * @param strlen the size of strings made by {@code str()}, {@code buf()} and string parameters
 *     ({@code max_strlen}: 1024 by default as in current bpftrace (0.17's was 64), at most
 *     {@link #MAX_STRLEN}; strings too big for the BPF stack live in the scratch buffer)
 * @param maxMapKeys the entries of a map without a declaration ({@code max_map_keys}); 0 for the default
 * @param stackMode how {@code kstack} and {@code ustack} print without a mode ({@code bpftrace} or {@code perf})
 * @param printMapsOnExit whether the maps are printed when the script ends ({@code print_maps_on_exit})
 * @param maxCatBytes how much of a file {@code cat()} prints ({@code max_cat_bytes})
 * @param dummyTsMap the scalar map {@code tseries()} reads its time from instead of the clock, or ""
 *     ({@code BPFTRACE_DUMMY_TS_MAP}: current bpftrace's hook for its tseries tests)
 * @param showDebugInfo whether user stacks show source files and lines and inlined functions
 *     from the binaries' DWARF ({@code show_debug_info}, on by default as in current bpftrace)
 * @param license the license the programs are loaded with ({@code license}: one the kernel takes
 *     as GPL-compatible; GPL by default)
 * @param truncTrailer what is printed after a string that {@code str()} cut at {@code max_strlen}
 *     ({@code str_trunc_trailer}: {@code ..} as in current bpftrace)
 * @param others the values given to the config variables kept as text ({@code cpp_demangle},
 *     {@code log_size}, ...; checked as current bpftrace checks them), by short name; {@code config()}
 *     shows them, {@link #cppDemangle()} and {@link #logSize()} read theirs
 */
public record Settings(int strlen, long maxMapKeys, String stackMode, boolean printMapsOnExit, int maxCatBytes,
        String dummyTsMap, boolean showDebugInfo, String license, String truncTrailer, Map<String, String> others) {
    /** Copies {@code others}. */
    public Settings {
        others = Map.copyOf(others);
    }

    /**
     * The stack modes: bpftrace's, perf's, and current bpftrace's raw (addresses in hex, one a line)
     * and build_id (user stacks only: each frame's file as its build id and the offset in it).
     */
    public static final Set<String> STACK_MODES = Set.of("bpftrace", "perf", "raw", "build_id");

    /** The default settings, current bpftrace's. */
    public static final Settings DEFAULTS = new Settings(1024, 0, "bpftrace", true, 10240, "", true, "GPL", "..",
            Map.of());

    /** The licenses current bpftrace accepts (those the kernel counts as compatible with the GPL). */
    public static final List<String> LICENSES = List.of("Dual MIT/GPL", "Dual BSD/GPL", "Dual MPL/GPL",
            "GPL and additional rights", "GPL v2", "GPL");

    /**
     * The most {@code max_strlen} may be: a string's copies are unrolled in the programs, and a
     * probe's frame (held in the scratch buffer when it passes 512 bytes) has a bound.
     */
    public static final int MAX_STRLEN = 32 * 1024;

    /** The config variables current bpftrace documents (short form). */
    private static final Set<String> KNOWN = Set.of("cache_user_symbols", "cpp_demangle",
            "lazy_symbolication", "license", "log_size", "max_bpf_progs", "max_cat_bytes", "max_map_keys",
            "max_probes", "max_strlen", "max_type_res_iterations", "missing_probes", "on_stack_limit",
            "perf_rb_pages", "print_maps_on_exit", "show_debug_info", "stack_mode", "str_trunc_trailer",
            "symbol_source", "unstable_import", "unstable_macro", "unstable_map_decl", "unstable_tseries",
            "unstable_addr", "unstable_typeinfo", "use_blazesym", "unstable_import_statement", "unstable_dw_ustack");

    /**
     * The config variables bpf4j does not act on whose values {@code config()} shows, with their kind
     * ({@code bool}, {@code int}: a non-negative integer, {@code unstable}: enable, warn or error) and
     * current bpftrace's default.
     */
    public static final Map<String, String[]> OTHERS = Map.ofEntries(
            Map.entry("cpp_demangle", new String[] {"bool", "true"}),
            Map.entry("lazy_symbolication", new String[] {"bool", "true"}),
            Map.entry("use_blazesym", new String[] {"bool", "false"}),
            Map.entry("log_size", new String[] {"int", "1000000"}),
            Map.entry("max_bpf_progs", new String[] {"int", "1024"}),
            Map.entry("max_probes", new String[] {"int", "1024"}),
            Map.entry("on_stack_limit", new String[] {"int", "32"}),
            Map.entry("perf_rb_pages", new String[] {"int", "0"}),
            Map.entry("unstable_import_statement", new String[] {"unstable", "error"}),
            Map.entry("unstable_tseries", new String[] {"unstable", "warn"}),
            Map.entry("unstable_typeinfo", new String[] {"unstable", "error"}),
            Map.entry("unstable_dw_ustack", new String[] {"unstable", "warn"}),
            Map.entry("cache_user_symbols", new String[] {"cache", "default"}));

    /**
     * The size of the verifier's log buffer with {@code -v} ({@code log_size}, 1,000,000 bytes by
     * default as in current bpftrace): a log that does not fit fails the load.
     */
    public long logSize() {
        return Long.parseLong(other("log_size"));
    }

    /**
     * The value of an unstable feature's flag as current bpftrace reads a string: {@code enable},
     * {@code warn} or {@code error} (any case), a true value (1, true, on, yes: enable) or a false
     * one (0, false, off, no: error); null if none of these.
     */
    static String unstable(String value) {
        return ConfigEntry.unstable(value);
    }

    /**
     * A boolean as current bpftrace reads a string (any case: 1, true, on, yes; 0, false, off, no),
     * or null if it is neither.
     */
    static Boolean bool(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "1", "true", "on", "yes" -> true;
            case "0", "false", "off", "no" -> false;
            default -> null;
        };
    }

    /** Current bpftrace's detail for a boolean it cannot read. */
    private static final String BAD_BOOL = "%s: Invalid bool value: valid values are true, false, 1 or 0.";

    /**
     * Whether C++ names of user-space symbols ({@code usym}, {@code func} in uprobes, user stacks)
     * are shown demangled ({@code cpp_demangle}, on by default as in bpftrace).
     */
    public boolean cppDemangle() {
        return Boolean.parseBoolean(other("cpp_demangle"));
    }

    /**
     * The {@code missing_probes} of the run (the config block, then the environment): what a probe
     * that cannot be attached is (error by default).
     */
    public AttachPoints.MissingProbes missingProbes() {
        AttachPoints.MissingProbes m = AttachPoints.MissingProbes.of(
                others.getOrDefault("missing_probes", "error"));
        return m != null ? m : AttachPoints.MissingProbes.ERROR;
    }

    /** The value of one of {@link #OTHERS}: as given, else current bpftrace's default. */
    public String other(String key) {
        return others.getOrDefault(key, OTHERS.get(key)[1]);
    }

    /** The config variables bpf4j acts on; the other known ones are accepted with a warning. */
    private static final Set<String> USED = Set.of("max_strlen", "max_map_keys", "stack_mode", "print_maps_on_exit",
            "max_cat_bytes", "missing_probes", "show_debug_info", "license", "str_trunc_trailer", "log_size",
            "cpp_demangle");

    /** The config variables kept as text ({@link #OTHERS}) that bpf4j acts on, where they are read. */
    private static final Set<String> READ_ELSEWHERE = Set.of("unstable_import_statement", "unstable_dw_ustack",
            "unstable_tseries", "max_bpf_progs", "max_probes", "perf_rb_pages", "cache_user_symbols");

    /**
     * The most programs the attach points of a script may expand to ({@code max_bpf_progs}, 1024 by
     * default as in current bpftrace).
     */
    public long maxBpfProgs() {
        return Long.parseUnsignedLong(other("max_bpf_progs"));
    }

    /**
     * The most probes a run may attach ({@code max_probes}, 1024 by default as in current bpftrace;
     * BEGIN, END and the others count).
     */
    public long maxProbes() {
        return Long.parseUnsignedLong(other("max_probes"));
    }

    /**
     * The pages of the ring buffer the programs send their events through ({@code perf_rb_pages});
     * 0 (the default) for bpf4j's size, 1 MiB.
     */
    public long perfRbPages() {
        return Long.parseUnsignedLong(other("perf_rb_pages"));
    }

    /** The environment variable naming the map {@code tseries()} takes its time from (a test hook). */
    public static final String DUMMY_TS_MAP = "BPFTRACE_DUMMY_TS_MAP";

    /** Current bpftrace's old names of config variables, which it still takes with a warning. */
    private static final Map<String, String> RENAMED = Map.of("strlen", "max_strlen", "no_cpp_demangle",
            "cpp_demangle", "cat_bytes_max", "max_cat_bytes", "map_keys_max", "max_map_keys");

    /** The variables current bpftrace reads from the environment only (not in a config block). */
    private static final Set<String> ENV_ONLY = Set.of("btf", "kernel_build", "kernel_source", "vmlinux");

    /** bpftrace 0.17's environment names for the variables that current bpftrace renamed. */
    private static final Map<String, String> OLD_NAMES = Map.of("strlen", "max_strlen", "map_keys_max",
            "max_map_keys", "cat_bytes_max", "max_cat_bytes");

    /**
     * The settings of a script: its config block, then the environment. Errors (an unknown key, a
     * bad value) go to {@code diags}; the block's at the entry, the environment's without a location.
     */
    public static Settings resolve(List<ConfigEntry> config, Map<String, String> env, Diagnostics diags) {
        Builder b = new Builder();
        for (ConfigEntry c : config) {
            String k = RENAMED.getOrDefault(c.name(), c.name());
            int errors = diags.errorCount();
            if (!KNOWN.contains(k)) {
                // current bpftrace's words
                diags.error(c.span(), c.key() + (ENV_ONLY.contains(k) ? ": can only be set as an environment variable"
                        : ": not a known configuration option"));
            } else if (!USED.contains(k)) {
                // unstable_import_statement is read by the parser (imports inside blocks),
                // unstable_dw_ustack and unstable_tseries where dw_ustack and tseries are called
                // (SemanticAnalyser.unstableDwUstack, unstableTseries), max_bpf_progs when the attach
                // points are expanded, max_probes, perf_rb_pages and cache_user_symbols by the runtime
                if (!READ_ELSEWHERE.contains(k)) {
                    diags.warning(c.span(), "bpf4j ignores the config variable " + c.key());
                }
                String problem = b.setOther(k, c.value(), c.integer());
                if (problem != null) {
                    diags.error(c.span(), problem.replace("%s", c.key()));
                }
            } else {
                String problem = b.set(k, c.value(), c.integer());
                if (problem != null) {
                    // a renamed key is set, and named, by its new name
                    diags.error(c.span(), problem.replace("%s", k.equals(c.name()) ? c.key() : k));
                }
            }
            if (!k.equals(c.name()) && diags.errorCount() == errors) {
                diags.warning(c.span(), c.key() + " has been renamed, please use " + k);
            }
        }
        for (Map.Entry<String, String> e : new TreeMap<>(env).entrySet()) {
            if (!e.getKey().startsWith("BPFTRACE_")) {
                continue;
            }
            String k = e.getKey().substring("BPFTRACE_".length()).toLowerCase(Locale.ROOT);
            k = OLD_NAMES.getOrDefault(k, k);
            String problem = USED.contains(k) ? b.set(k, e.getValue(), false) : b.setOther(k, e.getValue());
            if (problem != null) {
                // current bpftrace names the variable by its short name when it comes from the environment
                diags.error(Span.NONE, problem.replace("%s", k));
            }
        }
        return new Settings(b.strlen, b.maxMapKeys, b.stackMode, b.printMapsOnExit, b.maxCatBytes,
                env.getOrDefault(DUMMY_TS_MAP, ""), b.showDebugInfo, b.license, b.truncTrailer, b.others);
    }

    /**
     * The first {@code BPFTRACE_*} environment variable whose value current bpftrace refuses, in its
     * order (its config keys in alphabetical order), as it reports it: "KEY: DETAIL" with the short
     * key, or null if there is none. Current bpftrace loads the environment in a pass of its own
     * after the config block's: a bad value fails that pass, and the run stops with this message
     * alone (no "ERROR:", no place) and exit status 2, whatever else is wrong in the script.
     */
    public static String environmentFailure(Map<String, String> env) {
        for (String k : new TreeSet<>(KNOWN)) {
            String value = env.get("BPFTRACE_" + k.toUpperCase(Locale.ROOT));
            if (value == null) {
                continue;
            }
            Builder b = new Builder();
            String problem = USED.contains(k) ? b.set(k, value, false) : b.setOther(k, value);
            if (problem != null) {
                return problem.replace("%s", k);
            }
        }
        return null;
    }

    /**
     * The {@code missing_probes} of a script (its config block, then {@code BPFTRACE_MISSING_PROBES}),
     * read before the attach points are resolved; a bad value is reported by {@link #resolve}.
     */
    public static AttachPoints.MissingProbes missingProbes(List<ConfigEntry> config,
            Map<String, String> env) {
        AttachPoints.MissingProbes m = AttachPoints.MissingProbes.ERROR;
        for (ConfigEntry c : config) {
            if (c.name().equals("missing_probes") && AttachPoints.MissingProbes.of(c.value()) != null) {
                m = AttachPoints.MissingProbes.of(c.value());
            }
        }
        String e = env.get("BPFTRACE_MISSING_PROBES");
        if (e != null && AttachPoints.MissingProbes.of(e) != null) {
            m = AttachPoints.MissingProbes.of(e);
        }
        return m;
    }

    private static final class Builder {
        int strlen = DEFAULTS.strlen();
        long maxMapKeys = DEFAULTS.maxMapKeys();
        String stackMode = DEFAULTS.stackMode();
        boolean printMapsOnExit = DEFAULTS.printMapsOnExit();
        int maxCatBytes = DEFAULTS.maxCatBytes();
        String license = DEFAULTS.license();
        boolean showDebugInfo = DEFAULTS.showDebugInfo();
        String truncTrailer = DEFAULTS.truncTrailer();
        final Map<String, String> others = new TreeMap<>();

        /** Sets one of {@link #OTHERS} (others are let be); a message (with %s for the name) if the value is bad. */
        String setOther(String key, String value) {
            return setOther(key, value, false);
        }

        /** As {@link #setOther(String, String)}; {@code integer} when the value is an integer literal of the config block. */
        String setOther(String key, String value, boolean integer) {
            String[] kind = OTHERS.get(key);
            if (kind == null) {
                return null;
            }
            String v = value.strip().toLowerCase(Locale.ROOT);
            switch (kind[0]) {
                case "bool" -> {
                    // current bpftrace's ConfigParser<bool>: an integer literal is true unless 0
                    Boolean on = integer ? (Boolean) !v.equals("0") : bool(v);
                    if (on == null) {
                        return BAD_BOOL;
                    }
                    others.put(key, String.valueOf(on));
                }
                case "int" -> {
                    // current bpftrace's ConfigParser<uint64_t>: its integer reader, else "KEY: expecting a number, got S"
                    try {
                        others.put(key, Long.toUnsignedString(IntText.parseUnsigned(value.strip())));
                    } catch (IntText.Invalid e) {
                        return "%s: expecting a number, got " + value;
                    }
                }
                case "cache" -> {
                    // current bpftrace's ConfigParser<UserSymbolCacheType>: an integer literal 0 is none,
                    // another keeps the default; a string is 1 (the default), per_pid, per_program, none or 0
                    String c = integer ? (v.equals("0") ? "none" : "default") : switch (v) {
                        case "1" -> "default";
                        case "per_pid", "per_program", "none" -> v;
                        case "0" -> "none";
                        default -> null;
                    };
                    if (c == null) {
                        return "%s: Invalid value for cache_user_symbols: valid values are PER_PID, PER_PROGRAM, and NONE.";
                    }
                    others.put(key, c);
                }
                default -> {
                    // an integer literal of the config block: enable unless 0
                    String u = integer ? (v.equals("0") ? "error" : "enable") : unstable(v);
                    if (u == null) {
                        // current bpftrace's ParseError: "KEY: DETAIL"
                        return "%s: Invalid value for unstable config: valid values are enable, warn, and error.";
                    }
                    others.put(key, u);
                }
            }
            return null;
        }

        /**
         * Sets one variable; a message (with %s for the name as written) if the value is bad: current
         * bpftrace's words where it cannot read the value, bpf4j's where bpf4j has a limit of its own
         * ({@code integer}: the value is an integer literal of the config block).
         */
        String set(String key, String value, boolean integer) {
            String v = value.strip();
            if (NUMBERS.contains(key) && number(v) == null) {
                return "%s: expecting a number, got " + value; // current bpftrace's ConfigParser<uint64_t>
            }
            switch (key) {
                case "max_strlen" -> {
                    Long n = positive(v);
                    if (n == null) {
                        return "Invalid value for %s: expected a positive integer";
                    }
                    if (n > MAX_STRLEN) {
                        return "%s " + n + " exceeds the current maximum of " + MAX_STRLEN + " bytes";
                    }
                    strlen = (int) (long) n;
                }
                case "max_map_keys" -> {
                    Long n = positive(v);
                    if (n == null) {
                        return "Invalid value for %s: expected a positive integer";
                    }
                    maxMapKeys = n;
                }
                case "max_cat_bytes" -> {
                    Long n = positive(v);
                    if (n == null || n > Integer.MAX_VALUE) {
                        return "Invalid value for %s: expected a positive integer";
                    }
                    maxCatBytes = (int) (long) n;
                }
                case "str_trunc_trailer" -> truncTrailer = value;
                case "cpp_demangle" -> {
                    return setOther(key, value, integer); // acted on by the symbolizer, shown by config()
                }
                case "log_size" -> {
                    Long n = positive(v);
                    if (n == null) {
                        return "Invalid value for %s: expected a positive integer";
                    }
                    others.put(key, String.valueOf(n));
                }
                case "license" -> {
                    if (integer || !LICENSES.contains(v)) {
                        // current bpftrace's LicenseError, without the key
                        return "Invalid value for license. Found: " + v + ". Valid values: "
                                + String.join(", ", LICENSES) + ". Read more about BPF programs and licensing: "
                                + "https://docs.kernel.org/bpf/bpf_licensing.html#using-bpf-programs-in-the-linux-kernel";
                    }
                    license = v;
                }
                case "stack_mode" -> {
                    if (integer || !STACK_MODES.contains(v)) {
                        return "%s: Invalid value for stack_mode: valid values are bpftrace, raw, perf, and build_id.";
                    }
                    stackMode = v;
                }
                case "print_maps_on_exit", "show_debug_info" -> {
                    Boolean on = integer ? (Boolean) !v.equals("0") : bool(v);
                    if (on == null) {
                        return BAD_BOOL;
                    }
                    if (key.equals("show_debug_info")) {
                        showDebugInfo = on;
                    } else {
                        printMapsOnExit = on;
                    }
                }
                case "missing_probes" -> {
                    // acted on when the attach points are resolved (missingProbes)
                    if (integer || AttachPoints.MissingProbes.of(v) == null) {
                        return "%s: Invalid value for missing_probes: valid values are ignore, warn, and error.";
                    }
                    others.put(key, v.strip()); // and when the probes are attached (missingProbes())
                }
                default -> throw new IllegalArgumentException(key);
            }
            return null;
        }

        /** The variables bpf4j acts on that current bpftrace reads as unsigned integers. */
        private static final Set<String> NUMBERS = Set.of("max_strlen", "max_map_keys", "max_cat_bytes", "log_size");

        /** An unsigned integer as current bpftrace reads it ({@code 1e3}, {@code 1_000}, ...), or null. */
        private static Long number(String v) {
            try {
                return IntText.parseUnsigned(v);
            } catch (IntText.Invalid e) {
                return null;
            }
        }

        /** A number that is positive (as a signed 64-bit value), or null. */
        private static Long positive(String v) {
            Long n = number(v);
            return n != null && n > 0 ? n : null;
        }
    }
}
