package org.bpf4j.trace.symbols;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.symbols.DwarfData.Die;
import org.bpf4j.trace.symbols.DwarfData.Unit;

/**
 * A binary's DWARF debug information (versions 2 to 5), wherever it is: in the binary, in a
 * separate debug file ({@link DebugFiles}: build id, {@code .gnu_debuglink}, the search path), in
 * split {@code .dwo} files or a {@code .dwp} package. It gives the parameters of functions, for
 * {@code args} in uprobes (each parameter's name and type, typedefs and qualifiers peeled as
 * bpftrace's libdw reading does), the named types as BTF, the address of a source line (uprobes
 * on {@code BINARY@FILE:LINE}) and the source location of an address with its inlined frames
 * (stacks). Immutable once read; a file without debug information has no functions.
 */
public final class Dwarf {
    /** A parameter's type, reduced to what the tracing language reads. */
    public sealed interface ParamType {
        /** The type's name as {@code bpftrace -lv} shows it. */
        String name();
    }

    /** An integer (or enum, or bool) of {@code bits}. */
    public record IntType(String name, int bits, boolean signed) implements ParamType {}

    /** A pointer; {@code pointee} is null for {@code void *}. */
    public record PointerType(String name, ParamType pointee) implements ParamType {}

    /** Anything else (structs passed by value, floats...): not readable as a value. */
    public record OtherType(String name) implements ParamType {}

    /** A parameter of a function, in declaration order. */
    public record Param(String name, ParamType type) {}

    /**
     * A frame of the source location of an address: the function (for an inlined one, the
     * function inlined) and the file and line reached in it; {@code file} is null when unknown.
     */
    public record Frame(String function, String file, int line, boolean inlined) {}

    static final int TAG_FORMAL_PARAMETER = 0x05;
    static final int TAG_POINTER = 0x0f;
    static final int TAG_STRUCT = 0x13;
    static final int TAG_UNION = 0x17;
    static final int TAG_ENUM = 0x04;
    static final int TAG_TYPEDEF = 0x16;
    static final int TAG_BASE = 0x24;
    static final int TAG_CONST = 0x26;
    static final int TAG_VOLATILE = 0x35;
    static final int TAG_RESTRICT = 0x37;
    static final int TAG_ATOMIC = 0x47;
    static final int TAG_SUBPROGRAM = 0x2e;
    static final int TAG_ARRAY = 0x01;
    static final int TAG_MEMBER = 0x0d;
    static final int TAG_SUBRANGE = 0x21;
    static final int TAG_ENUMERATOR = 0x28;
    static final int TAG_LEXICAL_BLOCK = 0x0b;
    static final int TAG_INLINED_SUBROUTINE = 0x1d;
    static final int AT_BIT_OFFSET = 0x0c;
    static final int AT_BIT_SIZE = 0x0d;
    static final int AT_CONST_VALUE = 0x1c;
    static final int AT_UPPER_BOUND = 0x2f;
    static final int AT_COUNT = 0x37;
    static final int AT_MEMBER_LOCATION = 0x38;
    static final int AT_DATA_BIT_OFFSET = 0x6b;
    static final int AT_NAME = 0x03;
    static final int AT_BYTE_SIZE = 0x0b;
    static final int AT_ENCODING = 0x3e;
    static final int AT_TYPE = 0x49;
    static final int AT_DECLARATION = 0x3c;
    static final int AT_ABSTRACT_ORIGIN = 0x31;
    static final int AT_SPECIFICATION = 0x47;
    static final int AT_CALL_FILE = 0x58;
    static final int AT_CALL_LINE = 0x59;
    static final int AT_LINKAGE_NAME = 0x6e;

    private final Path binary;
    /** The units that describe code and types: compile units and split units (not their skeletons). */
    private final List<Unit> units = new ArrayList<>();
    /** For each unit of {@link #units}, the unit whose line table and address ranges it has (itself or its skeleton). */
    private final Map<Unit, Unit> lineUnit = new HashMap<>();
    private final Map<Unit, DwarfLines> lines = new ConcurrentHashMap<>();
    private final Map<String, List<Param>> functions = new HashMap<>();
    private boolean functionsRead;
    private final List<String> missing = new ArrayList<>();

    private Dwarf(Path binary, String searchPath) {
        this.binary = binary;
        NativeElf elf = NativeElf.read(binary);
        DwarfData main = new DwarfData(elf, false);
        if (!main.available()) {
            Optional<Path> sep = DebugFiles.separate(binary, elf, searchPath);
            if (sep.isPresent()) {
                main = new DwarfData(NativeElf.read(sep.get()), false);
            }
        }
        DwarfData package_ = null;
        for (Unit u : main.units) {
            Die top = u.top();
            boolean skeleton = u.unitType == DwarfData.UT_SKELETON || top != null && u.version < 5
                    && top.has(DwarfData.AT_GNU_DWO_NAME);
            if (!skeleton) {
                add(u, u);
                continue;
            }
            if (package_ == null) {
                package_ = DebugFiles.dwp(binary).map(p -> new DwarfData(NativeElf.read(p), true)).orElse(null);
            }
            Unit split = package_ == null ? null : splitUnit(package_, u, top);
            if (split == null) {
                String name = top.has(DwarfData.AT_DWO_NAME) ? top.string(DwarfData.AT_DWO_NAME)
                        : top.string(DwarfData.AT_GNU_DWO_NAME);
                Optional<Path> dwo = DebugFiles.dwo(binary, name, top.string(DwarfData.AT_COMP_DIR));
                if (dwo.isPresent()) {
                    split = splitUnit(new DwarfData(NativeElf.read(dwo.get()), true), u, top);
                }
                if (split == null) {
                    missing.add(name == null ? binary.getFileName() + ".dwo" : Path.of(name).getFileName().toString());
                    add(u, u); // a skeleton alone still has lines and address ranges
                    continue;
                }
            }
            split.addrData = u.data;
            split.addrBase = u.addrBase;
            add(split, u);
        }
    }

    /** The functions with their parameters, read on first use (stacks need none of them). */
    private synchronized Map<String, List<Param>> functions() {
        if (!functionsRead) {
            functionsRead = true;
            for (Unit u : units) {
                try {
                    scanFunctions(u);
                } catch (IllegalStateException | IndexOutOfBoundsException e) {
                    // Damaged or unsupported debug information: keep the functions read before it.
                }
            }
        }
        return functions;
    }

    private void add(Unit u, Unit lines) {
        units.add(u);
        lineUnit.put(u, lines);
    }

    /** The split unit of a skeleton in a split file or package (by its DWO id), or null. */
    private static Unit splitUnit(DwarfData split, Unit skeleton, Die top) {
        for (Unit s : split.units) {
            if (s.unitType == DwarfData.UT_SPLIT_COMPILE ? s.dwoId == skeleton.dwoId : s.version < 5) {
                return s;
            }
        }
        return null;
    }

    /** Reads the debug information of a binary with the process's search path (none if it has none or it cannot be read). */
    public static Dwarf read(Path binary) {
        return new Dwarf(binary, DebugFiles.searchPath());
    }

    private static final Map<List<Object>, Dwarf> CACHE = new ConcurrentHashMap<>();

    /** {@link #read}, once per file and search path for the life of the process. */
    public static Dwarf cached(Path binary) {
        String path = DebugFiles.searchPath();
        return CACHE.computeIfAbsent(List.of(binary, path), k -> new Dwarf(binary, path));
    }

    /** Whether the binary has DWARF debug information. */
    public boolean available() {
        return !units.isEmpty();
    }

    /**
     * The split DWARF files that skeleton units name and that were not found (their units keep
     * only lines and addresses), as bpftrace warns of them.
     */
    public List<String> missingSplitFiles() {
        return List.copyOf(missing);
    }

    /** The parameters of a function defined in the file, if its debug information describes it. */
    public Optional<List<Param>> params(String function) {
        return Optional.ofNullable(functions().get(function));
    }

    // ---- functions ----

    /** Walks a unit's DIEs, recording every function definition with its parameters. */
    private void scanFunctions(Unit u) {
        int pos = u.dieStart;
        int depth = 0;
        Die current = null;
        List<Param> params = null;
        int paramsDepth = -1;
        while (pos < u.end) {
            Die d = u.data.die(pos, u);
            if (d == null) {
                pos++;
                depth--;
                if (depth < paramsDepth && params != null) {
                    finish(current, params);
                    params = null;
                    paramsDepth = -1;
                }
                if (depth < 0) {
                    break;
                }
                continue;
            }
            if (params != null && depth == paramsDepth && d.tag() == TAG_FORMAL_PARAMETER) {
                params.add(param(d));
            }
            if (d.tag() == TAG_SUBPROGRAM && !d.has(AT_DECLARATION)) {
                if (params != null) {
                    finish(current, params);
                }
                current = d;
                params = new ArrayList<>();
                paramsDepth = depth + 1;
                if (!d.children()) {
                    finish(current, params);
                    params = null;
                    paramsDepth = -1;
                }
            }
            pos = d.next();
            if (d.children()) {
                depth++;
            }
        }
        if (params != null) {
            finish(current, params);
        }
    }

    /** A function's name, through its abstract origin or specification when it has none. */
    private static String functionName(Die fn) {
        String name = fn.name();
        Die origin = fn;
        for (int i = 0; name == null && origin != null && i < 4; i++) {
            origin = origin.deref(origin.has(AT_ABSTRACT_ORIGIN) ? AT_ABSTRACT_ORIGIN : AT_SPECIFICATION);
            name = origin == null ? null : origin.name();
        }
        return name;
    }

    private void finish(Die fn, List<Param> params) {
        String name = functionName(fn);
        if (name != null) {
            functions.putIfAbsent(name, List.copyOf(params));
        }
    }

    private Param param(Die d) {
        Die named = d;
        String name = d.name();
        if (name == null && d.has(AT_ABSTRACT_ORIGIN)) {
            named = d.deref(AT_ABSTRACT_ORIGIN);
            name = named == null ? null : named.name();
        }
        Die typed = d.has(AT_TYPE) || named == null ? d : named;
        return new Param(name == null ? "" : name, type(typed.deref(AT_TYPE), 0));
    }

    /** The type a type DIE denotes, qualifiers and typedefs peeled (their names kept for display). */
    private ParamType type(Die t, int depth) {
        if (t == null) {
            return new OtherType("void");
        }
        if (depth > 16) {
            return new OtherType("<unknown type>");
        }
        String display = displayName(t, 0);
        Die peeled = t;
        while (peeled != null && (peeled.tag() == TAG_TYPEDEF || peeled.tag() == TAG_CONST
                || peeled.tag() == TAG_VOLATILE || peeled.tag() == TAG_RESTRICT || peeled.tag() == TAG_ATOMIC)) {
            peeled = peeled.deref(AT_TYPE);
        }
        if (peeled == null) {
            return new OtherType(display);
        }
        long size = peeled.longAttr(AT_BYTE_SIZE, 0);
        return switch (peeled.tag()) {
            case TAG_BASE -> {
                long enc = peeled.longAttr(AT_ENCODING, 0);
                boolean isInt = enc == 2 || enc == 5 || enc == 6 || enc == 7 || enc == 8;
                yield isInt && (size == 1 || size == 2 || size == 4 || size == 8)
                        ? new IntType(display, (int) size * 8, enc == 5 || enc == 6) : new OtherType(display);
            }
            case TAG_ENUM -> size == 1 || size == 2 || size == 4 || size == 8
                    ? new IntType(display, (int) size * 8, false) : new OtherType(display);
            case TAG_POINTER -> {
                Die inner = peeled.deref(AT_TYPE);
                yield new PointerType(display, inner == null ? null : type(inner, depth + 1));
            }
            default -> new OtherType(display);
        };
    }

    /** A type's name as bpftrace's listing writes it ({@code const char*}, {@code char**}). */
    private static String displayName(Die t, int depth) {
        if (t == null) {
            return "void";
        }
        if (depth > 16) {
            return "<unknown type>";
        }
        return switch (t.tag()) {
            case TAG_BASE, TAG_TYPEDEF -> String.valueOf(t.name());
            case TAG_POINTER -> displayName(t.deref(AT_TYPE), depth + 1) + "*";
            case TAG_STRUCT, TAG_UNION, TAG_ENUM -> (t.tag() == TAG_STRUCT ? "struct " : t.tag() == TAG_UNION
                    ? "union " : "enum ") + (t.name() == null ? "<anonymous>" : t.name());
            case TAG_CONST -> {
                Die inner = t.deref(AT_TYPE);
                yield inner != null && inner.tag() == TAG_POINTER ? displayName(inner, depth + 1) + " const"
                        : "const " + displayName(inner, depth + 1);
            }
            default -> "<unknown type>";
        };
    }

    // ---- types as BTF ----

    /**
     * The named structs, unions and enums of the file's debug information (the first definition of
     * each name) as BTF types, with the types they use, numbered from {@code firstId} (the types
     * before it are someone else's: the kernel's). Member offsets are the compiler's, bit fields
     * included; what BTF cannot say (functions, floats' encodings) becomes {@code void}.
     */
    public List<BtfType> btfTypes(int firstId) {
        DwarfBtf b = new DwarfBtf(firstId);
        Set<String> seen = new HashSet<>();
        for (Unit u : units) {
            int pos = u.dieStart;
            int depth = 0;
            while (pos < u.end) {
                Die d = u.data.die(pos, u);
                if (d == null) {
                    pos++;
                    if (--depth < 0) {
                        break;
                    }
                    continue;
                }
                if ((d.tag() == TAG_STRUCT || d.tag() == TAG_UNION || d.tag() == TAG_ENUM) && d.name() != null
                        && !d.has(AT_DECLARATION) && seen.add(d.tag() + " " + d.name())) {
                    b.id(d, 0);
                }
                pos = d.next();
                if (d.children()) {
                    depth++;
                }
            }
        }
        return b.out;
    }

    // ---- lines ----

    /** The line table of a unit (through its skeleton for a split unit), or null if it has none. */
    private DwarfLines lines(Unit u) {
        Unit lu = lineUnit.get(u);
        return lines.computeIfAbsent(lu, x -> {
            Die top = x.top();
            if (top == null || !(top.attrs().get(DwarfData.AT_STMT_LIST) instanceof Long off) || x.data.line == null) {
                return null;
            }
            try {
                return new DwarfLines(x.data, off, top.string(DwarfData.AT_COMP_DIR), top.name());
            } catch (IllegalStateException | IndexOutOfBoundsException e) {
                return null;
            }
        });
    }

    /**
     * The address of a source line, as bpftrace finds it: the one compilation unit with a source
     * file whose path ends with {@code sourceFile} (components compared), then the lowest address
     * of a row of that file at {@code line} (and {@code column}, unless 0).
     *
     * @throws IllegalArgumentException with bpftrace's message when no unit or no row matches
     */
    public long lineAddress(String sourceFile, int line, int column) {
        Path wanted = Path.of(sourceFile).normalize();
        Unit match = null;
        String matchPath = null;
        for (Unit u : units) {
            DwarfLines t = lines(u);
            if (t == null) {
                continue;
            }
            for (String f : t.files()) {
                if (!endsWith(f, wanted)) {
                    continue;
                }
                if (match == null) {
                    match = u;
                    matchPath = f;
                } else if (!f.equals(matchPath)) {
                    throw new IllegalArgumentException("Ambiguous source path, matches multiple files: " + matchPath
                            + ", " + f);
                }
            }
        }
        if (match == null) {
            throw new IllegalArgumentException("No compilation unit matches " + sourceFile);
        }
        DwarfLines t = lines(match);
        for (DwarfLines.Row r : t.rows()) {
            String f = t.file(r.file());
            if (!r.end() && r.line() == line && (column == 0 || r.column() == column) && f != null
                    && f.equals(matchPath)) {
                return r.address();
            }
        }
        throw new IllegalArgumentException("Unable to map '" + sourceFile + ":" + line + (column > 0 ? ":" + column : "")
                + "' to address");
    }

    private static boolean endsWith(String path, Path suffix) {
        try {
            return Path.of(path).normalize().endsWith(suffix);
        } catch (InvalidPathException e) {
            return false;
        }
    }

    /**
     * The source location of a virtual address of the binary, innermost first: for each function
     * inlined there, its name and the line reached in it, then the function that holds them with
     * the line of the outermost call (or of the address itself). Empty when no unit covers it.
     */
    public List<Frame> frames(long pc) {
        for (Unit u : units) {
            Unit lu = lineUnit.get(u);
            Die top = lu.top();
            if (top == null || !DwarfRanges.covers(top, pc, lu)) {
                continue;
            }
            DwarfLines t = lines(u);
            DwarfLines.Row row = t == null ? null : t.at(pc);
            // the chain of functions that hold pc: the subprogram, then each inlined subroutine in it
            List<Die> chain = new ArrayList<>();
            Die scope = u.top();
            while (scope != null) {
                Die inner = null;
                for (Die c : scope.childDies()) {
                    int tag = c.tag();
                    if ((tag == TAG_SUBPROGRAM || tag == TAG_INLINED_SUBROUTINE || tag == TAG_LEXICAL_BLOCK)
                            && DwarfRanges.covers(c, pc, lu)) {
                        inner = c;
                        break;
                    }
                }
                if (inner != null && inner.tag() != TAG_LEXICAL_BLOCK) {
                    chain.add(inner);
                }
                scope = inner;
            }
            if (chain.isEmpty()) {
                return List.of();
            }
            List<Frame> out = new ArrayList<>();
            String file = row == null || t == null ? null : t.file(row.file());
            int line = row == null ? 0 : row.line();
            for (int k = chain.size() - 1; k >= 0; k--) {
                Die d = chain.get(k);
                boolean inlined = d.tag() == TAG_INLINED_SUBROUTINE;
                out.add(new Frame(String.valueOf(functionName(d)), file, line, inlined));
                if (inlined) {
                    file = t == null ? null : t.file((int) d.longAttr(AT_CALL_FILE, -1));
                    line = (int) d.longAttr(AT_CALL_LINE, 0);
                }
            }
            return out;
        }
        return List.of();
    }

    /** The binary this debug information describes. */
    public Path binary() {
        return binary;
    }
}
