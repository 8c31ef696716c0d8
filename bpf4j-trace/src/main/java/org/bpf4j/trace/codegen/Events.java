package org.bpf4j.trace.codegen;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.sema.FormatString;
import org.bpf4j.trace.sema.Type;

/**
 * What the generated programs send to user space through the ring buffer, and the tables needed to
 * read it. Each record starts with a 64-bit event id: {@link #EXIT}, {@link #PRINT_MAP},
 * {@link #PRINT_VALUE}, {@link #TIME}, {@link #CLEAR}, {@link #ZERO}, or {@link #PRINTF_BASE} plus the
 * index of a printf. Filled by the code generator, then read-only.
 */
public final class Events {
    /** {@code exit()}: [id][code]. */
    public static final long EXIT = 0;
    /** {@code print(@m, top, div)}: [id][map index][top][div]. */
    public static final long PRINT_MAP = 1;
    /** {@code print(value)}: [id][print index][value]. */
    public static final long PRINT_VALUE = 2;
    /** {@code time(fmt)}: [id][format index]. */
    public static final long TIME = 3;
    /** {@code clear(@m)}: [id][map index]. */
    public static final long CLEAR = 4;
    /** {@code zero(@m)}: [id][map index]. */
    public static final long ZERO = 5;
    /**
     * {@code join(argv[, delim])}: [id][delimiter index][{@link #JOIN_ARGS} NUL-terminated strings of
     * {@link #JOIN_ARG_SIZE} bytes; the first empty one ends the list], sent from the scratch map.
     */
    public static final long JOIN = 6;
    /** A helper that failed, with {@code -k}/{@code -kk}: [id][{@link #helperErrors()} index][return code]. */
    public static final long HELPER_ERROR = 7;
    /** A warning of the running program (current bpftrace's runtime errors): [id][{@link #runtimeWarnings()} index]. */
    public static final long RUNTIME_WARNING = 8;
    /**
     * A packet of {@code skboutput()}, a sample of the perf event array (not the ring buffer):
     * [id][{@link #skbOutputs()} index][monotonic time in ns][length][the packet's first length bytes]
     * (the kernel pads the sample to 8 bytes).
     */
    public static final long SKB_OUTPUT = 9;
    /** How many elements of an array {@code join()} reads (bpftrace 0.17's). */
    public static final int JOIN_ARGS = 16;
    /** The most bytes {@code join()} reads of each element, with its NUL (bpftrace 0.17's). */
    public static final int JOIN_ARG_SIZE = 1024;
    /** {@code printf}: [id = base + index][arguments laid out as {@link Printf#layout()}]. */
    public static final long PRINTF_BASE = 1000;

    /** A warning the running program can send: its text and where in the script. */
    public record RuntimeWarning(String message, Span span) {}

    /** An {@code skboutput()} call: the pcap file it writes and how many captured bytes it skips. */
    public record SkbOutput(String file, long offset) {}

    /** A helper call checked for failure ({@code -k}): the helper's name and where the script calls it. */
    public record HelperError(String helper, Span span) {}

    /**
     * One printf call (or system, cat, errorf, warnf): its format, the layout of its arguments, and
     * for the arguments of an enum type (by index) their enumerators by value, which {@code %s}
     * prints; {@code span} is the call's place in the script (errorf and warnf print it), and
     * {@code expandedFrom} the macro calls it was expanded from, innermost first.
     */
    public record Printf(FormatString format, Type.Tuple layout, String function,
            Map<Integer, Map<Long, String>> enums, Span span,
            List<Span> expandedFrom) {
        public Printf {
            enums = Map.copyOf(enums);
            expandedFrom = List.copyOf(expandedFrom);
        }
    }

    private final List<Printf> printfs = new ArrayList<>();
    private final List<Type> printValues = new ArrayList<>();
    private final Map<Integer, Map<Long, String>> printEnums = new HashMap<>();
    private final List<String> timeFormats = new ArrayList<>();
    private final List<String> strftimeFormats = new ArrayList<>();
    private final List<String> probeNames = new ArrayList<>();
    private final List<String> joinDelimiters = new ArrayList<>();
    private final List<HelperError> helperErrors = new ArrayList<>();
    private final List<RuntimeWarning> runtimeWarnings = new ArrayList<>();
    private final List<SkbOutput> skbOutputs = new ArrayList<>();
    private final int helperChecks;
    private int maxSize;
    private int scratchBytes;
    private boolean stacks;

    /**
     * Events of programs whose helper calls are checked at {@code helperChecks}: 0 none
     * ({@code --no-warnings}), 1 current bpftrace's default (map updates: "Map full"), 2 as
     * {@code -k} (also memory reads, map deletes and lookups that find nothing).
     */
    Events(int helperChecks) {
        this.helperChecks = helperChecks;
    }

    /** The level of helper checks (0 none, 1 by default, 2 for {@code -k}). */
    public int helperChecks() {
        return helperChecks;
    }

    int addHelperError(HelperError e) {
        // the matches of a wildcard compile one body again: the same call gets the same index, so
        // that their programs are the same instructions (one program for a uprobe_multi link)
        int i = helperErrors.indexOf(e);
        if (i >= 0) {
            return i;
        }
        helperErrors.add(e);
        return helperErrors.size() - 1;
    }

    int addRuntimeWarning(RuntimeWarning w) {
        int i = runtimeWarnings.indexOf(w); // the same place compiled again for another match of a wildcard
        if (i >= 0) {
            return i;
        }
        runtimeWarnings.add(w);
        return runtimeWarnings.size() - 1;
    }

    /** The places that can warn while the script runs, by the index a {@link #RUNTIME_WARNING} event carries. */
    public List<RuntimeWarning> runtimeWarnings() {
        return runtimeWarnings;
    }

    /** The checked helper calls, by the index a {@link #HELPER_ERROR} event carries. */
    public List<HelperError> helperErrors() {
        return helperErrors;
    }

    /** Notes that a program reads stacks (the backends then create the stack map). */
    void noteStacks() {
        stacks = true;
    }

    private boolean buildIdStacks;

    /** Notes that a program reads user stacks as build ids and offsets (a second stack map). */
    void noteBuildIdStacks() {
        stacks = true;
        buildIdStacks = true;
    }

    /**
     * True if a program reads {@code ustack(build_id)}: the backends also create a stack map with
     * {@code BPF_F_STACK_BUILD_ID} at {@link CompiledScript#buildIdStackIndex()}, each frame
     * {@link #BUILD_ID_FRAME_BYTES} bytes.
     */
    public boolean buildIdStacks() {
        return buildIdStacks;
    }

    /** The bytes of a frame of a build-id stack: status (4), build id (20), offset or address (8). */
    public static final int BUILD_ID_FRAME_BYTES = 32;

    /**
     * True if a program reads stacks: the backends create a {@code BPF_MAP_TYPE_STACK_TRACE} map of
     * {@link #STACK_MAP_FRAMES} frames at {@link CompiledScript#stackIndex()} (and the scratch buffer,
     * of at least 8 bytes, before it).
     */
    public boolean stacks() {
        return stacks;
    }

    /** Frames a stack map entry holds. */
    public static final int STACK_MAP_FRAMES = 127;

    /** Entries of the stack map. */
    public static final int STACK_MAP_ENTRIES = 4096;

    /** Notes that a program needs {@code bytes} of the scratch buffer (each CPU's element). */
    void noteScratch(int bytes) {
        scratchBytes = Math.max(scratchBytes, bytes);
    }

    /**
     * The size of each CPU's element of the scratch buffer (an array after the globals, for values
     * too big for the 512-byte stack), or 0 if no program uses one.
     */
    public int scratchBytes() {
        return scratchBytes;
    }

    int addJoinDelimiter(String d) {
        int i = joinDelimiters.indexOf(d);
        if (i >= 0) {
            return i;
        }
        joinDelimiters.add(d);
        return joinDelimiters.size() - 1;
    }

    /** The join() delimiters by index. */
    public List<String> joinDelimiters() {
        return joinDelimiters;
    }

    void noteSize(int size) {
        maxSize = Math.max(maxSize, size);
    }

    /** The largest event any program sends, in bytes. */
    public int maxSize() {
        return maxSize;
    }

    int addPrintf(Printf p) {
        int i = printfs.indexOf(p); // a body compiled again for another match of a wildcard
        if (i >= 0) {
            return i;
        }
        printfs.add(p);
        return printfs.size() - 1;
    }

    int addPrintValue(Type t, Map<Long, String> enumValues) {
        printValues.add(t);
        if (enumValues != null) {
            printEnums.put(printValues.size() - 1, enumValues);
        }
        return printValues.size() - 1;
    }

    /** The enumerators by value of print value {@code index} when it is of an enum type, else null. */
    public Map<Long, String> printEnum(int index) {
        return printEnums.get(index);
    }

    int addTime(String f) {
        timeFormats.add(f);
        return timeFormats.size() - 1;
    }

    int addStrftime(String f) {
        int i = strftimeFormats.indexOf(f);
        if (i >= 0) {
            return i;
        }
        strftimeFormats.add(f);
        return strftimeFormats.size() - 1;
    }

    int addProbeName(String name) {
        int i = probeNames.indexOf(name);
        if (i >= 0) {
            return i;
        }
        probeNames.add(name);
        return probeNames.size() - 1;
    }

    /** The printf calls by index. */
    public List<Printf> printfs() {
        return printfs;
    }

    /** The types of non-map print() calls by index. */
    public List<Type> printValues() {
        return printValues;
    }

    int addSkbOutput(SkbOutput o) {
        int i = skbOutputs.indexOf(o); // the same call compiled again for another attach point
        if (i >= 0) {
            return i;
        }
        skbOutputs.add(o);
        return skbOutputs.size() - 1;
    }

    /** The {@code skboutput()} calls by the index their packets carry. */
    public List<SkbOutput> skbOutputs() {
        return skbOutputs;
    }

    /**
     * The map index the code of an iterator's {@code printf} gives the map of formats until
     * {@link Compiler} knows its index ({@link CompiledScript#iterFormatsIndex()}).
     */
    static final int ITER_FORMATS_MAP = -2;

    private final ByteArrayOutputStream iterFormats = new ByteArrayOutputStream();
    private final Map<String, Integer> iterFormatOffsets = new HashMap<>();

    /**
     * The offset of a format of {@code printf} in an iterator in the read-only map of formats
     * (the kernel's {@code bpf_seq_printf} takes its format only from read-only map memory); a
     * format used again has its first offset.
     */
    int iterFormat(byte[] format) {
        String key = new String(format, StandardCharsets.ISO_8859_1);
        Integer off = iterFormatOffsets.get(key);
        if (off != null) {
            return off;
        }
        int at = iterFormats.size();
        iterFormats.writeBytes(format);
        iterFormats.write(0);
        iterFormatOffsets.put(key, at);
        return at;
    }

    /** The formats of {@code printf} in iterators, each NUL-terminated, as the read-only map's one value holds them. */
    public byte[] iterFormats() {
        return iterFormats.toByteArray();
    }

    /** The time() formats by index. */
    public List<String> timeFormats() {
        return timeFormats;
    }

    /** The strftime() formats by index. */
    public List<String> strftimeFormats() {
        return strftimeFormats;
    }

    /** The probe names (values of the {@code probe} builtin) by id. */
    public List<String> probeNames() {
        return probeNames;
    }
}
