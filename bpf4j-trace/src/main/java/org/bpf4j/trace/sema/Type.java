package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The type of a value of the bpftrace language. Closed; sizes are the bytes it takes in a map or event. */
public sealed interface Type {
    /** Bytes it occupies. */
    int size();

    /** bpftrace's name for it, as error messages show it. */
    String display();

    /**
     * An integer of 8, 16, 32 or 64 bits; or, with a {@code pointee}, a pointer (64 bits, signed as
     * bpftrace 0.17 prints pointers) to a value of that type, in user memory when {@code user}.
     * Pointers are integers wherever integers are accepted; {@code *p}, {@code p[i]} and
     * {@code p + n} use the pointee. {@code literal} marks the sign-flexible type of a non-negative
     * integer literal (current bpftrace: {@code 1} is an int8 that becomes a uint8 next to a uint32).
     */
    record Int(int bits, boolean signed, Type pointee, boolean user, boolean bool, Map<Long, String> enumerators,
            boolean literal) implements Type {
        public Int {
            enumerators = enumerators == null ? null : Map.copyOf(enumerators);
        }

        /** An integer, pointer or bool of an enum type or none, not a literal's. */
        public Int(int bits, boolean signed, Type pointee, boolean user, boolean bool, Map<Long, String> enumerators) {
            this(bits, signed, pointee, user, bool, enumerators, false);
        }

        /** An integer, pointer or bool that is not of an enum type. */
        public Int(int bits, boolean signed, Type pointee, boolean user, boolean bool) {
            this(bits, signed, pointee, user, bool, null);
        }

        /**
         * This integer as a value of an enum type, whose enumerators (by value) name it when it is
         * printed as text (current bpftrace: {@code @[ONE]: 11}, {@code (ONE, TWO)}).
         */
        public Int withEnumerators(Map<Long, String> names) {
            return new Int(bits, signed, pointee, user, bool, names, literal);
        }

        /**
         * The type current bpftrace gives an integer literal: the smallest of int8, int16, int32 and
         * int64 that holds it, sign-flexible ({@link #literal}) when it is not negative (it then takes
         * the sign of what it meets, as {@code IntTypes.promote} says); uint64 above {@code INT64_MAX}.
         *
         * @param value the value (its 64 bits when {@code unsigned})
         * @param unsigned whether it was written above {@code INT64_MAX}
         */
        public static Int ofLiteral(long value, boolean unsigned) {
            if (unsigned) {
                return UINT64;
            }
            int bits = value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE ? 8
                    : value >= Short.MIN_VALUE && value <= Short.MAX_VALUE ? 16
                    : value >= Integer.MIN_VALUE && value <= Integer.MAX_VALUE ? 32 : 64;
            return new Int(bits, true, null, false, false, null, value >= 0);
        }

        /** An integer or pointer that is not a bool. */
        public Int(int bits, boolean signed, Type pointee, boolean user) {
            this(bits, signed, pointee, user, false);
        }

        /** A plain integer. */
        public Int(int bits, boolean signed) {
            this(bits, signed, null, false, false);
        }

        /** Current bpftrace's {@code bool} of {@code bits} bits: printed {@code true} or {@code false}. */
        public static Int bool(int bits) {
            return new Int(bits, false, null, false, true);
        }

        /**
         * The 64-bit integer a value of this type is widened to (a bool stays a bool, a literal's
         * type stays sign-flexible).
         */
        public Int widened() {
            return bool ? bool(64) : new Int(64, signed, null, false, false, enumerators, literal);
        }

        /** This type without the sign-flexibility of a literal's. */
        public Int fixed() {
            return literal ? new Int(bits, signed, pointee, user, bool, enumerators, false) : this;
        }

        /** A pointer to {@code pointee}, in user memory when {@code user}. */
        public static Int pointer(Type pointee, boolean user) {
            return new Int(64, true, pointee, user);
        }

        /** True for a pointer. */
        public boolean isPointer() {
            return pointee != null;
        }

        @Override
        public int size() {
            return bits / 8;
        }

        @Override
        public String display() {
            return pointee != null ? pointee.display() + " *" : bool ? "bool" : (signed ? "int" : "uint") + bits;
        }
    }

    /**
     * A buffer ({@code buf()}): up to {@code capacity} bytes and their length. Stored as the length
     * (8 bytes) then the bytes, padded to 8.
     */
    record Buf(int capacity) implements Type {
        @Override
        public int size() {
            return 8 + align8(capacity);
        }

        @Override
        public String display() {
            return "buffer[" + (capacity + 1) + "]"; // bpftrace counts its length byte
        }
    }

    /**
     * An array of {@code count} elements: integers ({@code pton()}, integer arrays in structs),
     * pointers, arrays (multi-dimensional arrays, {@code int y[2][2]}) or records (arrays of structs).
     */
    record Array(Type element, int count) implements Type {
        @Override
        public int size() {
            return element.size() * count;
        }

        @Override
        public String display() {
            return element.display() + "[" + count + "]";
        }
    }

    /**
     * A struct or union value (bpftrace's record): its bytes as in memory, printed
     * {@code { .a = 1, .b = 2 }}.
     *
     * @param name {@code struct NAME} or {@code union NAME}
     * @param size its size in bytes
     */
    record Record(String name, List<RecordField> fields, int size) implements Type {
        public Record {
            fields = List.copyOf(fields);
        }

        @Override
        public String display() {
            return name;
        }
    }

    /**
     * A struct or union named by a pointer to it ({@code struct Foo *}): the pointee that carries
     * the struct through variables, maps, {@code *pp} of a pointer to a pointer and {@code p++}.
     * Its fields are looked up by name in the types of the kernel, the traced binaries and the script.
     *
     * @param name {@code struct NAME} or {@code union NAME}
     * @param size its size in bytes (the step of {@code p++})
     */
    record StructRef(String name, int size) implements Type {
        @Override
        public String display() {
            return name;
        }
    }

    /**
     * A field of a {@link Record}: its name, type and byte offset; a bit field has {@code bitWidth}
     * bits from bit {@code bitShift} of the {@link #loadSize} bytes at {@code offset}.
     */
    record RecordField(String name, Type type, int offset, int bitShift, int bitWidth) {
        /** A field that is not a bit field. */
        public RecordField(String name, Type type, int offset) {
            this(name, type, offset, 0, 0);
        }

        /** True for a bit field. */
        public boolean isBitField() {
            return bitWidth > 0;
        }

        /** The bytes read to get a bit field's bits: 1, 2, 4 or 8. */
        public int loadSize() {
            int bytes = (bitShift + bitWidth + 7) / 8;
            return bytes <= 1 ? 1 : bytes <= 2 ? 2 : bytes <= 4 ? 4 : 8;
        }
    }

    /** A MAC address ({@code macaddr()}): 6 bytes. */
    record MacAddr() implements Type {
        @Override
        public int size() {
            return 6;
        }

        @Override
        public String display() {
            return "macaddr";
        }
    }

    /** A NUL-padded string of a fixed size. */
    record Str(int size) implements Type {
        @Override
        public String display() {
            return "string[" + size + "]";
        }
    }

    /**
     * A tuple; each element starts at a multiple of 8 bytes. With {@code names} (one per element)
     * it is current bpftrace's record {@code (a = 1, b = "x")}: its elements are read by name
     * ({@code $r.a}) and it prints as {@code { .a = 1, .b = x }}.
     */
    record Tuple(List<Type> elements, List<String> names) implements Type {
        public Tuple {
            elements = List.copyOf(elements);
            names = List.copyOf(names);
            if (!names.isEmpty() && names.size() != elements.size()) {
                throw new IllegalArgumentException("a record needs one name per element");
            }
        }

        /** A tuple without names. */
        public Tuple(List<Type> elements) {
            this(elements, List.of());
        }

        /** True for a record (named elements). */
        public boolean isRecord() {
            return !names.isEmpty();
        }

        @Override
        public int size() {
            int n = 0;
            for (Type t : elements) {
                n += align8(t.size());
            }
            return n;
        }

        /** Offset of element {@code i}. */
        public int offset(int i) {
            int n = 0;
            for (int k = 0; k < i; k++) {
                n += align8(elements.get(k).size());
            }
            return n;
        }

        @Override
        public String display() {
            if (isRecord()) {
                List<String> parts = new ArrayList<>();
                for (int i = 0; i < elements.size(); i++) {
                    parts.add("." + names.get(i) + " = " + elements.get(i).display());
                }
                return "record { " + String.join(", ", parts) + " }"; // current bpftrace's words
            }
            return "(" + String.join(",", elements.stream().map(Type::display).toList()) + ")";
        }
    }

    /**
     * The value of an aggregation map: count, sum, min, max, avg, stats, hist, lhist, tseries.
     *
     * @param kind the aggregation
     * @param signed whether the values aggregated are signed
     * @param lhistMin lhist's minimum
     * @param lhistMax lhist's maximum
     * @param lhistStep lhist's step
     * @param bits hist's sub-buckets per power of 2, as log2 (0 for plain log2 histograms)
     * @param series tseries' intervals and reduction, null for the other kinds
     */
    record Agg(AggKind kind, boolean signed, long lhistMin, long lhistMax, long lhistStep, int bits, Series series)
            implements Type {
        /** An aggregation without hist bits or tseries parameters. */
        public Agg(AggKind kind, boolean signed, long lhistMin, long lhistMax, long lhistStep) {
            this(kind, signed, lhistMin, lhistMax, lhistStep, 0, null);
        }

        @Override
        public int size() {
            return switch (kind) {
                case MIN, MAX, AVG, STATS -> 16;
                case TSERIES -> 24; // {value, meta, epoch}
                default -> 8;
            };
        }

        /** Current bpftrace's name: {@code count_t}, {@code sum_t} ({@code usum_t} unsigned), {@code hist_t}... */
        @Override
        public String display() {
            String name = kind.name().toLowerCase(Locale.ROOT) + "_t";
            return switch (kind) {
                case SUM, MIN, MAX, AVG, STATS -> signed ? name : "u" + name;
                case COUNT, HIST, LHIST, TSERIES -> name;
            };
        }
    }

    /** The {@code probe} builtin: the probe's name, sent as an id. */
    record ProbeName() implements Type {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public String display() {
            return "probe";
        }
    }

    /** The result of {@code strftime}: a format id and nanoseconds since boot. */
    record Timestamp() implements Type {
        @Override
        public int size() {
            return 16;
        }

        @Override
        public String display() {
            return "timestamp";
        }
    }

    /** A kernel address shown as its symbol ({@code ksym()}): 8 bytes, the address. */
    record Ksym() implements Type {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public String display() {
            return "ksym";
        }
    }

    /** A user address shown as its symbol ({@code usym()}): the address, then the process id. */
    record Usym() implements Type {
        @Override
        public int size() {
            return 16;
        }

        @Override
        public String display() {
            return "usym";
        }
    }

    /**
     * An integer that user space shows as text when it prints it, as current bpftrace does:
     * {@code strerror(e)} (the C library's message for errno {@code e}), {@code username} (the
     * name of a user id in {@code /etc/passwd}) and {@code cgroup_path(id[, filter])} (the paths
     * of a cgroup id in the mounted hierarchies whose names match {@code filter}) and
     * {@code syscall_name(id)} (the name of a system call number). 8 bytes: the value.
     */
    record Deferred(DeferredKind kind, String filter) implements Type {
        @Override
        public int size() {
            return 8;
        }

        @Override
        public String display() {
            return switch (kind) {
                case STRERROR -> "strerror_t";
                case USERNAME -> "username_t";
                case CGROUP_PATH -> "cgroup_path_t";
                case SYSCALL_NAME -> "syscall_name_t";
                case SIGNAL_NAME -> "signal_name_t";
            };
        }
    }

    /** What a {@link Deferred} value shows. */
    enum DeferredKind {
        STRERROR, USERNAME, CGROUP_PATH, SYSCALL_NAME, SIGNAL_NAME
    }

    /** An IPv4 or IPv6 address ({@code ntop()}): the address family (8 bytes), then 16 address bytes. */
    record Inet() implements Type {
        @Override
        public int size() {
            return 24;
        }

        @Override
        public String display() {
            return "inet";
        }
    }

    /**
     * A stack ({@code kstack}, {@code ustack}): its id in the stack map, and for a user stack the
     * process id; printed in a mode ({@code bpftrace} or {@code perf}) up to {@code limit} frames.
     */
    record Stack(boolean user, String mode, int limit) implements Type {
        @Override
        public int size() {
            return user ? 16 : 8;
        }

        @Override
        public String display() {
            return (user ? "ustack" : "kstack") + "_" + mode + "_" + limit; // current bpftrace's kstack_bpftrace_127
        }
    }

    /** No value (a statement-like call, or not yet known). */
    record None() implements Type {
        @Override
        public int size() {
            return 0;
        }

        @Override
        public String display() {
            return "none";
        }
    }

    /** The aggregation kinds. */
    enum AggKind {
        COUNT, SUM, MIN, MAX, AVG, STATS, HIST, LHIST, TSERIES
    }

    /**
     * The parameters of {@code tseries(n, interval, intervals[, reduce])}.
     *
     * @param intervalNs the length of an interval in nanoseconds
     * @param intervals how many intervals are kept
     * @param reduce how the values of one interval combine: "" (the last one wins), avg, max, min or sum
     */
    record Series(long intervalNs, long intervals, String reduce) {}

    /** {@code int64}. */
    Int INT64 = new Int(64, true);
    /** {@code uint64}. */
    Int UINT64 = new Int(64, false);
    /** {@code uint32}. */
    Int UINT32 = new Int(32, false);
    /** {@code none}. */
    None NONE = new None();

    /**
     * {@code sizeof} as bpftrace sees a value: tuples laid out as C structs, each element at a
     * multiple of its alignment and the whole rounded to the largest ({@code ((int8) 1, (int32) 2)}
     * takes 8 bytes). This is the layout of keys and values in maps, as current bpftrace's; in the
     * stack and in events bpf4j keeps each integer in 8 bytes and each element of a tuple at a
     * multiple of 8 ({@link #size}).
     */
    static int cSize(Type t) {
        if (t instanceof Tuple tu) {
            int n = 0;
            for (Type e : tu.elements()) {
                int a = cAlign(e);
                n = (n + a - 1) / a * a + cSize(e);
            }
            int a = cAlign(tu);
            return (n + a - 1) / a * a;
        }
        if (t instanceof Array a) {
            return a.count() * cSize(a.element());
        }
        if (t instanceof Int i && i.bool()) {
            return 1; // a bool is one byte (bpf4j keeps comparisons' results in 64 bits)
        }
        return t.size();
    }

    /**
     * The offset of element {@code i} of a tuple in its C layout ({@link #cSize}): the elements
     * before it, each at a multiple of its alignment. Maps hold tuples so.
     */
    static int cOffset(Tuple t, int i) {
        int n = 0;
        for (int k = 0; k <= i; k++) {
            int a = cAlign(t.elements().get(k));
            n = (n + a - 1) / a * a;
            if (k < i) {
                n += cSize(t.elements().get(k));
            }
        }
        return n;
    }

    /** The alignment of a value in a C layout (strings 1, integers their size, structs their widest field). */
    static int cAlign(Type t) {
        return switch (t) {
            case Int i -> i.bool() ? 1 : i.size();
            case Str s -> 1;
            case MacAddr m -> 1;
            case Array a -> cAlign(a.element());
            case Record r -> r.fields().stream().mapToInt(f -> cAlign(f.type())).max().orElse(1);
            case Tuple tu -> tu.elements().stream().mapToInt(Type::cAlign).max().orElse(1);
            default -> 8;
        };
    }

    /** Rounds up to a multiple of 8. */
    static int align8(int n) {
        return (n + 7) & ~7;
    }

    /** True for integers (and aggregations read as integers are not). */
    default boolean isInt() {
        return this instanceof Int;
    }

    /** True for strings. */
    default boolean isStr() {
        return this instanceof Str;
    }
}
