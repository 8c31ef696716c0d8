package org.bpf4j.trace.parse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.CFunction;

/**
 * Current bpftrace's {@code import "PATH";}: finds what a script imports and reads it, in
 * bpftrace's order and words. A path is looked for in each search directory in turn (the script's
 * own directory first; for a file imported by an imported script, that file's directory last),
 * then among the packages of the standard library ({@code stdlib/test}). What it finds:
 * <ul>
 *   <li>a {@code .bt} script: parsed ({@link Reader}) and merged into the importing script by the
 *       parser; it may import other files, and may have no {@code config} block;
 *   <li>a {@code .h} header: its {@code struct}, {@code union} and {@code enum} definitions join the
 *       script's C definitions;
 *   <li>a directory: every {@code .bt}, {@code .h}, {@code .bpf.c} and {@code .bpf.o} file in it
 *       (not its subdirectories), other files ignored;
 *   <li>{@code .bpf.c} and {@code .bpf.o}: their global functions, which the script may call
 *       ({@link CObjects}: the C compiled with the machine's clang).
 * </ul>
 * Each path is imported once (a path seen again, as in a cycle, is skipped silently). Nothing is
 * imported from a world-writable file or directory, nor from one inside a world-writable directory.
 * Not thread-safe; one instance per script.
 */
final class Imports {
    /** An import line: the path as written and the span of {@code import "PATH"}. */
    record Decl(String name, Span span) {}

    /** Parses an imported script (its errors go to the script's diagnostics); null after a syntax error. */
    interface Reader {
        /**
         * @param file the script, named as imported
         * @param internal whether it comes from the standard library rather than the file system
         */
        Parser.Unit read(Source file, boolean internal);
    }

    /**
     * What the imports brought.
     *
     * @param scripts the imported scripts, by name (the order current bpftrace merges them in)
     * @param definitions the C definitions of the imported headers, by header name
     * @param functions the functions of the imported BPF C and objects ({@link CObjects})
     */
    record Merged(List<Parser.Unit> scripts, List<String> definitions, List<CFunction> functions) {}

    /**
     * The packages of current bpftrace's standard library that a script may import (its embedded C
     * files, named as it names them). bpf4j implements their functions natively, so most add
     * nothing; a package with a file of its own ({@link #OWN_FILES}: bpf4j's equivalent, as macros)
     * adds those macros.
     */
    private static final List<String> STDLIB = List.of("stdlib/base.bpf.c", "stdlib/map/map.bpf.c",
            "stdlib/process/process.bpf.c", "stdlib/stack/dwunwind.bpf.c", "stdlib/strings/strings.bpf.c",
            "stdlib/system/system.bpf.c", "stdlib/task/task.bpf.c", "stdlib/task/vma.bpf.c",
            "stdlib/test/test.bpf.c", "stdlib/usdt/usdt.bpf.c");

    /**
     * bpf4j's own files for the packages of {@link #STDLIB} whose functions a script may call only
     * once it imports them (resources beside {@link Source}, named in diagnostics as here).
     */
    private static final Map<String, String> OWN_FILES = Map.of("stdlib/test/test.bpf.c", "stdlib/test.bt");

    private final Reader reader;
    private final Diagnostics diags;
    /** The names imported (a directory's and the files in it), each once. */
    private final Set<String> packages = new HashSet<>();
    private final Map<String, Parser.Unit> scripts = new TreeMap<>();
    private final Set<String> scriptNames = new HashSet<>();
    private final Map<String, List<String>> headers = new TreeMap<>();
    private final Set<String> objects = new HashSet<>();
    private final List<CFunction> functions = new ArrayList<>();
    private final Source root;

    private Imports(Source root, Reader reader, Diagnostics diags) {
        this.root = root;
        this.reader = reader;
        this.diags = diags;
    }

    /**
     * Resolves the imports of a script and of the scripts it imports, reporting what cannot be
     * imported to {@code diags}.
     *
     * @param unit the script as parsed
     * @param source the script
     * @param dirs where paths are looked for, in order (the script's directory first)
     */
    static Merged resolve(Parser.Unit unit, Source source, List<Path> dirs, Reader reader, Diagnostics diags) {
        Imports im = new Imports(source, reader, diags);
        im.importsOf(unit, dirs);
        List<String> definitions = new ArrayList<>();
        im.headers.values().forEach(definitions::addAll);
        return new Merged(List.copyOf(im.scripts.values()), definitions, List.copyOf(im.functions));
    }

    private void importsOf(Parser.Unit unit, List<Path> dirs) {
        for (Decl d : unit.imports()) {
            if (!unnamable(d)) {
                importAny(d, d.name(), dirs);
            }
        }
        for (Decl d : unit.statementImports()) {
            if (!unnamable(d)) {
                statementImport(d, dirs);
            }
        }
    }

    /** Whether an import names what no file can be (a NUL byte in it), reported as not found. */
    private boolean unnamable(Decl d) {
        if (d.name().indexOf('\0') < 0) {
            return false;
        }
        diags.error(d.span(), "Unable to find suitable path for import");
        return true;
    }

    /** An import inside a block (allowed by {@code unstable_import_statement}): C and headers only. */
    private void statementImport(Decl d, List<Path> dirs) {
        boolean directory = Files.isDirectory(Path.of(d.name()))
                || dirs.stream().anyMatch(dir -> Files.isDirectory(dir.resolve(d.name())));
        if (directory || d.name().endsWith(".bt")) {
            diags.error(d.span(), "Import statements that are not at the root are limited to specific object (.o), "
                    + "header (.h), or C source (.c or bpf.c) files");
        }
        importAny(d, d.name(), dirs);
    }

    /** An import by name: the first search directory that has it, else the standard library. */
    private void importAny(Decl d, String name, List<Path> dirs) {
        if (!packages.add(name)) {
            return; // imported before
        }
        List<String> checked = new ArrayList<>();
        for (Path dir : dirs) {
            Path path = dir.resolve(name);
            checked.add(path.toString());
            if (!Files.exists(path)) {
                continue;
            }
            if (!permitted(path)) {
                diags.warning(d.span(), "skipping due to global write permissions: " + quoted(path.toString()));
                continue;
            }
            importPath(d, name, path, dirs, false, true);
            return;
        }
        boolean found = false;
        List<String> similar = new ArrayList<>();
        for (String embedded : STDLIB) {
            String parent = embedded.substring(0, embedded.lastIndexOf('/'));
            if (embedded.equals(name)) {
                importEmbedded(embedded);
                return;
            } else if (parent.equals(name)) {
                importEmbedded(embedded);
                found = true;
            }
            if (similar(name, embedded)) {
                similar.add(embedded);
            }
        }
        if (found) {
            return;
        }
        diags.error(d.span(), "Unable to find suitable path for import");
        if (!checked.isEmpty()) {
            diags.hint("checked: " + String.join(",", checked));
        }
        if (!similar.isEmpty()) {
            diags.hint("similar to builtins: " + String.join(",", similar));
        }
    }

    /** A file or directory found on the file system. */
    private void importPath(Decl d, String name, Path path, List<Path> dirs, boolean ignoreUnknown,
            boolean allowDirectories) {
        if (!permitted(path)) {
            diags.error(d.span(), "cowardly refusing to import from a directory with global write permissions: "
                    + quoted(path.toString()));
            return;
        }
        if (Files.isDirectory(path)) {
            if (!allowDirectories) {
                return; // a directory in an imported directory
            }
            List<Path> entries;
            try (Stream<Path> s = Files.list(path)) {
                entries = s.sorted().toList();
            } catch (IOException e) {
                diags.error(d.span(), "error reading import '" + quoted(path.toString()) + "': " + reason(e));
                return;
            }
            for (Path entry : entries) {
                importPath(d, name + "/" + entry.getFileName(), entry, dirs, true, false);
            }
            return;
        }
        String file = path.getFileName().toString();
        if (file.endsWith(".bt")) {
            importScript(d, name, path, dirs);
        } else if (file.endsWith(".bpf.c") || file.endsWith(".bpf.o")) {
            if (objects.add(name)) {
                functions.addAll(CObjects.load(d.span(), name, path, dirs, diags));
            }
        } else if (file.endsWith(".h")) {
            importHeader(d, name, path);
        } else if (!ignoreUnknown) {
            diags.error(d.span(), "unknown import type: " + quoted(file));
        }
    }

    private void importScript(Decl d, String name, Path path, List<Path> dirs) {
        if (scriptNames.contains(name)) {
            return;
        }
        String text = read(d, path);
        if (text == null) {
            return;
        }
        scriptNames.add(name);
        Parser.Unit unit = reader.read(new Source(name, text), false);
        if (unit == null) {
            return;
        }
        scripts.put(name, unit);
        if (unit.configSpan() != null && !unit.config().isEmpty()) {
            diags.error(unit.configSpan(), "invalid `config` within import");
        }
        // as current bpftrace, paths in an imported script are looked for where the script's are;
        // bpf4j also looks in the imported script's own directory (as bpftrace's documentation says)
        List<Path> nested = dirs;
        Path own = path.getParent() == null ? Path.of("") : path.getParent();
        if (!dirs.contains(own)) {
            nested = new ArrayList<>(dirs);
            nested.add(own);
        }
        importsOf(unit, nested);
    }

    /** The text of an imported file, or null after reporting at the import why it cannot be read. */
    private String read(Decl d, Path path) {
        try {
            return Files.readString(path, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            diags.error(d.span(), "error reading import '" + quoted(path.toString()) + "': " + reason(e));
            return null;
        }
    }

    /** A package of the standard library: bpf4j's own file for it, if it has one. */
    private void importEmbedded(String embedded) {
        String name = OWN_FILES.get(embedded);
        if (name == null || scriptNames.contains(name)) {
            return; // implemented natively: nothing to add
        }
        String text;
        try (InputStream in = Source.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing from the jar");
            }
            text = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new IllegalStateException("bpf4j trace's standard library file " + name + " cannot be read", e);
        }
        scriptNames.add(name);
        Parser.Unit unit = reader.read(new Source(name, text), true);
        if (unit == null) {
            throw new IllegalStateException("bpf4j trace's standard library file " + name + " does not parse");
        }
        scripts.put(name, unit);
    }

    /**
     * A header's {@code struct}, {@code union} and {@code enum} definitions; preprocessor lines,
     * declarations and typedefs in it are skipped.
     */
    private void importHeader(Decl d, String name, Path path) {
        if (headers.containsKey(name)) {
            return;
        }
        String text = read(d, path);
        if (text == null) {
            return;
        }
        Source header = new Source(name, text);
        int base = root.attach(header);
        Lexer lexer = new Lexer(new Source(name, "\n".repeat(base) + text), diags);
        String s = lexer.source().text();
        List<String> definitions = new ArrayList<>();
        for (;;) {
            if (lexer.atDirective()) {
                lexer.skipLine();
                continue;
            }
            lexer.skipTrivia();
            int at = lexer.position();
            if (at >= s.length()) {
                break;
            }
            String definition = lexer.cDefinition();
            if (definition != null) {
                if (!definition.isEmpty()) {
                    definitions.add(definition);
                }
                continue;
            }
            // anything else (a declaration, a typedef): to the ';' that ends it
            int depth = 0;
            int i = at;
            for (; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '{' || c == '(') {
                    depth++;
                } else if (c == '}' || c == ')') {
                    depth--;
                } else if (c == ';' && depth <= 0) {
                    break;
                } else if (c == '\n' && depth <= 0 && i + 1 < s.length() && s.charAt(i + 1) == '#') {
                    break;
                }
            }
            lexer.reset(Math.min(s.length(), i + 1));
        }
        headers.put(name, definitions);
    }

    /**
     * Whether {@code path} may be imported from: neither it nor the directory it is in is writable
     * by everyone (current bpftrace's check).
     */
    private static boolean permitted(Path path) {
        Path parent = path.getParent() == null ? Path.of(".") : path.getParent();
        return !othersMayWrite(path) && !othersMayWrite(parent);
    }

    private static boolean othersMayWrite(Path path) {
        try {
            return Files.getPosixFilePermissions(path).contains(PosixFilePermission.OTHERS_WRITE);
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }

    /** A path as C++ prints a {@code std::filesystem::path}: in double quotes, {@code "} and {@code \} escaped. */
    static String quoted(String path) {
        return "\"" + path.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    /** The C library's words for why a file could not be read. */
    private static String reason(IOException e) {
        if (e instanceof AccessDeniedException) {
            return "Permission denied";
        }
        if (e instanceof NoSuchFileException) {
            return "No such file or directory";
        }
        if (e.getMessage() != null && e.getMessage().contains("Is a directory")) {
            return "Is a directory";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    /**
     * Whether a path the user wrote is close to a name of the standard library, as current bpftrace
     * judges it: a window slides over the path, growing while its text is found in the name and
     * losing its first character when not; the length of the last window found must be more than
     * one character and at least half the length of the shorter string.
     */
    static boolean similar(String written, String name) {
        int common = 0;
        for (int i = 0, j = 1; j <= written.length();) {
            if (name.contains(written.substring(i, j))) {
                common = j - i;
                j++;
            } else {
                i++;
            }
        }
        return common > 1 && common >= Math.min(written.length(), name.length()) / 2;
    }
}
