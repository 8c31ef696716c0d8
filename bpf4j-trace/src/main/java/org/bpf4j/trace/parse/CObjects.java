package org.bpf4j.trace.parse;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.bpf4j.Bpf4jException;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.CFunction;

/**
 * The BPF C a script imports ({@code import "lib.bpf.c";}) and the objects it imports
 * ({@code .bpf.o}): current bpftrace compiles the C with clang and links its global functions into
 * the program. bpf4j's own compiler needs no C compiler; an imported {@code .bpf.c} is compiled
 * with the machine's clang ({@code clang-19} or {@code clang} on the {@code PATH},
 * {@code -O2 -g -target bpf -c}), and the object's functions are read by bpf4j-object: a global
 * function of {@code .text}, linked with the functions it calls, typed by its BTF prototype. The
 * functions a script may call take and return integers, enums, bools and pointers (as 64-bit
 * integers), and use no maps, global data, kernel functions or CO-RE relocations (which would need
 * the script's loader to relocate them). Stateless.
 */
final class CObjects {
    private CObjects() {}

    /** The C compilers tried, in order, on the {@code PATH}. */
    private static final List<String> COMPILERS = List.of("clang-19", "clang");

    /**
     * The functions of an imported {@code .bpf.c} or {@code .bpf.o}; errors (no clang, the C does not
     * compile, the object does not parse) at the import's {@code span}.
     *
     * @param path the file found
     * @param headerDirs directories whose headers the C may include (the file's own is always one)
     */
    static List<CFunction> load(Span span, String name, Path path, List<Path> headerDirs, Diagnostics diags) {
        byte[] object;
        if (path.getFileName().toString().endsWith(".bpf.o")) {
            try {
                object = Files.readAllBytes(path);
            } catch (IOException e) {
                diags.error(span, "error reading import '" + Imports.quoted(path.toString()) + "': " + e.getMessage());
                return List.of();
            }
        } else {
            object = compile(span, path, headerDirs, diags);
            if (object == null) {
                return List.of();
            }
        }
        ObjectSpec spec;
        try {
            spec = ObjectFile.parse(object, path.getFileName().toString());
        } catch (Bpf4jException e) {
            diags.error(span, "cannot read the object of " + Imports.quoted(path.toString()) + ": " + e.getMessage());
            return List.of();
        }
        List<CFunction> out = new ArrayList<>();
        for (ProgramSpec p : spec.programs()) {
            if (!p.sectionName().equals(".text") || !p.global()) {
                continue; // a program of its own (SEC("...")), or a static function
            }
            out.add(function(p, spec.btf(), name));
        }
        return out;
    }

    private static CFunction function(ProgramSpec p, Optional<Btf> btf, String file) {
        List<CFunction.CType> params = new ArrayList<>();
        Optional<CFunction.CType> result = Optional.empty();
        String problem = null;
        if (p.defect().isPresent()) {
            problem = p.defect().get();
        } else if (!p.mapReferences().isEmpty() || !p.externReferences().isEmpty()
                || !p.coreRelocations().isEmpty()) {
            problem = "it uses maps, global data, kernel functions or CO-RE relocations, which bpf4j does not link";
        }
        BtfType.FuncProto proto = btf.flatMap(b -> b.typeByName(p.name()).filter(t -> t instanceof BtfType.Func)
                .map(f -> b.resolve(((BtfType.Func) f).type()))).filter(t -> t instanceof BtfType.FuncProto)
                .map(t -> (BtfType.FuncProto) t).orElse(null);
        if (proto == null) {
            problem = problem != null ? problem : "its object has no BTF prototype for it (compile it with -g)";
        } else {
            Btf b = btf.get();
            for (BtfType.Param param : proto.params()) {
                CFunction.CType t = param.type() == 0 ? null : ctype(b, param.type());
                if (t == null) {
                    problem = problem != null ? problem : "its parameter " + (param.name().isEmpty() ? "" : "'"
                            + param.name() + "' ") + "is not an integer, enum, bool or pointer";
                    break;
                }
                params.add(t);
            }
            if (proto.returnType() != 0) {
                CFunction.CType r = ctype(b, proto.returnType());
                if (r == null) {
                    problem = problem != null ? problem : "its result is not an integer, enum, bool or pointer";
                } else {
                    result = Optional.of(r);
                }
            }
        }
        return new CFunction(p.name(), params, result, p.code(), file, Optional.ofNullable(problem));
    }

    /** An integer-like C type of BTF, or null for another (a struct passed by value, a float). */
    private static CFunction.CType ctype(Btf b, int id) {
        BtfType t = b.resolve(id);
        String c = cName(b, id);
        return switch (t) {
            case BtfType.Int i when i.size() == 1 || i.size() == 2 || i.size() == 4 || i.size() == 8 ->
                    new CFunction.CType(c, i.size(), (i.encoding() & BtfType.Int.SIGNED) != 0);
            case BtfType.Enum e when e.size() == 1 || e.size() == 2 || e.size() == 4 || e.size() == 8 ->
                    new CFunction.CType(c, e.size(), e.signed());
            case BtfType.Ptr ptr -> new CFunction.CType(c, 8, false);
            default -> null;
        };
    }

    /** A type's name as C writes it, for messages ({@code int}, {@code u32}, {@code enum color}, {@code pointer}). */
    private static String cName(Btf b, int id) {
        BtfType t = b.typeById(id);
        return switch (t) {
            case BtfType.Typedef d -> d.name();
            case BtfType.Const c -> cName(b, c.type());
            case BtfType.Volatile v -> cName(b, v.type());
            case BtfType.Enum e -> "enum " + e.name();
            case BtfType.Ptr p -> "pointer";
            default -> t.name();
        };
    }

    /** The object clang makes of a {@code .bpf.c}, or null after reporting why there is none. */
    private static byte[] compile(Span span, Path source, List<Path> headerDirs, Diagnostics diags) {
        Path clang = compiler();
        if (clang == null) {
            diags.error(span, "cannot import " + Imports.quoted(source.toString()) + ": compiling BPF C needs clang "
                    + "(clang-19 or clang on the PATH), which this machine lacks");
            return null;
        }
        Path out = null;
        try {
            out = Files.createTempFile("bpf4j-import-", ".bpf.o");
            List<String> cmd = new ArrayList<>(List.of(clang.toString(), "-O2", "-g", "-target", "bpf", "-c"));
            Path own = source.toAbsolutePath().getParent();
            cmd.add("-I" + own);
            for (Path d : headerDirs) {
                cmd.add("-I" + d.toAbsolutePath());
            }
            cmd.addAll(List.of(source.toString(), "-o", out.toString()));
            Process proc = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            proc.getOutputStream().close();
            String messages = new String(proc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!proc.waitFor(120, TimeUnit.SECONDS)) {
                proc.destroyForcibly();
                diags.error(span, "failed to build");
                diags.hint(clang + " did not finish within 120 s");
                return null;
            }
            if (proc.exitValue() != 0) {
                // current bpftrace's words, clang's messages as the hint
                diags.error(span, "failed to build");
                diags.hint(messages.stripTrailing());
                return null;
            }
            if (!messages.isBlank()) {
                diags.warning(span, "found external warnings");
                diags.hint(messages.stripTrailing());
            }
            return Files.readAllBytes(out);
        } catch (IOException e) {
            diags.error(span, "failed to build");
            diags.hint(clang + ": " + e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            diags.error(span, "failed to build");
            diags.hint("interrupted");
            return null;
        } finally {
            if (out != null) {
                try {
                    Files.deleteIfExists(out);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
    }

    /** The first of {@link #COMPILERS} found on the {@code PATH}, or null. */
    static Path compiler() {
        String path = System.getenv("PATH");
        if (path == null) {
            return null;
        }
        for (String name : COMPILERS) {
            for (String dir : path.split(File.pathSeparator)) {
                if (dir.isEmpty()) {
                    continue;
                }
                Path p = Path.of(dir, name);
                if (Files.isExecutable(p) && !Files.isDirectory(p)) {
                    return p;
                }
            }
        }
        return null;
    }
}
