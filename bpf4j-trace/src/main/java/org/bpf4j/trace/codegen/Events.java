package org.bpf4j.trace.codegen;

import java.util.ArrayList;
import java.util.List;
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
    /** {@code printf}: [id = base + index][arguments laid out as {@link Printf#layout()}]. */
    public static final long PRINTF_BASE = 1000;

    /** One printf call: its format and the layout of its arguments. */
    public record Printf(FormatString format, Type.Tuple layout, String function) {}

    private final List<Printf> printfs = new ArrayList<>();
    private final List<Type> printValues = new ArrayList<>();
    private final List<String> timeFormats = new ArrayList<>();
    private final List<String> strftimeFormats = new ArrayList<>();
    private final List<String> probeNames = new ArrayList<>();
    private int maxSize;

    void noteSize(int size) {
        maxSize = Math.max(maxSize, size);
    }

    /** The largest event any program sends, in bytes. */
    public int maxSize() {
        return maxSize;
    }

    int addPrintf(Printf p) {
        printfs.add(p);
        return printfs.size() - 1;
    }

    int addPrintValue(Type t) {
        printValues.add(t);
        return printValues.size() - 1;
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
