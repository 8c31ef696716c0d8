package org.bpf4j.trace.parse;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.BinOp;
import org.bpf4j.trace.ast.ConfigEntry;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.MapDecl;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.ast.Subprog;
import org.bpf4j.trace.ast.TypeName;

/**
 * Recursive-descent parser of the bpftrace language (the current grammar, which includes the older
 * spellings). Syntax errors are current bpftrace's (its hand-written parser, not 0.17's bison one):
 * {@code syntax: expected ')'}, {@code syntax: expected expression}, ... placed at the next token as it
 * places them ({@link ExprParser#bpftraceSpan}). Like it, the parser reads on after a missing closing
 * token or operand within a statement, so the errors that follow from it are reported too ("expected
 * ')'" then "expected ';'"), and stops before the next statement of a block or the next top-level item.
 */
public final class Parser extends ExprParser {
    /** The reader of its top-level items. */
    final TopLevelItems items = new TopLevelItems(this);
    private final List<String> directives = new ArrayList<>();

    private Parser(Source source, Diagnostics diags) {
        this(source, diags, Map.of());
    }

    private Parser(Source source, Diagnostics diags, Map<String, String> macros) {
        this(source, diags, macros, Map.of());
    }

    private Parser(Source source, Diagnostics diags, Map<String, String> macros,
            Map<String, Preprocessor.FunctionMacro> functions) {
        this(source, diags, macros, functions, new ArrayList<>());
    }

    /** A parser whose block expressions join {@code blocks} (shared by the files of one script, so that their names differ). */
    private Parser(Source source, Diagnostics diags, Map<String, String> macros,
            Map<String, Preprocessor.FunctionMacro> functions, List<Macros.Definition> blocks) {
        super(new Lexer(source, diags, macros, functions), diags);
        this.blockExpressions = blocks;
        this.errorBase = diags.errorCount();
    }

    /**
     * The errors there were before this parser started: once there are more, it stops at the next
     * point where current bpftrace's parser checks for errors (before a statement of a block, before
     * a top-level item).
     */
    private final int errorBase;

    /** Whether this parser has reported an error (a syntax error it read on after, or a lexical one). */
    boolean failed() {
        return diags.errorCount() > errorBase;
    }

    /**
     * Parses a script, after {@linkplain Preprocessor preprocessing} it with no predefined macros
     * and only the built-in header constants. Errors go to {@code diags}; the result is empty if
     * there were any, except the scope checks' ({@link Scopes}: undefined variables, shadowing
     * {@code let}s), which current bpftrace makes before typing: then the program is returned, and
     * the caller, seeing the errors, goes no further.
     */
    public static Optional<Program> parse(Source source, Diagnostics diags) {
        return parse(source, diags, Map.of(), HeaderMacros.builtin());
    }

    /**
     * Parses a script after {@linkplain Preprocessor preprocessing} it.
     *
     * @param predefined macros defined before the first line ({@link Preprocessor#HAVE_BTF})
     * @param headers where included headers' macros come from
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, Map<String, String> predefined,
            HeaderMacros headers) {
        return parse(source, diags, predefined, List.of(), headers);
    }

    /**
     * Parses a script after {@linkplain Preprocessor preprocessing} it, with headers included
     * before its first line ({@code --include}).
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, Map<String, String> predefined,
            List<String> includes, HeaderMacros headers) {
        return parse(source, diags, predefined, includes, headers, List.of());
    }

    /**
     * Parses a script after {@linkplain Preprocessor preprocessing} it, with the files it imports
     * ({@code import "lib.bt";}, {@link Imports}) merged in: looked for in the script's directory
     * (the current directory for {@code stdin}), then in {@code importDirs}.
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, Map<String, String> predefined,
            List<String> includes, HeaderMacros headers, List<Path> importDirs) {
        return parse(source, diags, predefined, includes, headers, importDirs, Map.of());
    }

    /**
     * As {@link #parse(Source, Diagnostics, Map, List, HeaderMacros, List)}, with the
     * environment the parser reads as current bpftrace's config does, after the script's config
     * block: {@code BPFTRACE_UNSTABLE_IMPORT_STATEMENT} (imports inside blocks).
     */
    public static Optional<Program> parse(Source source, Diagnostics diags, Map<String, String> predefined,
            List<String> includes, HeaderMacros headers, List<Path> importDirs,
            Map<String, String> env) {
        int before = diags.errorCount();
        List<Macros.Definition> blocks = new ArrayList<>();
        String envImports = env.get("BPFTRACE_UNSTABLE_IMPORT_STATEMENT");
        Parser root = read(source, source, 0, diags, predefined, includes, headers, blocks, null, envImports);
        if (root == null || diags.errorCount() != before) {
            return Optional.empty();
        }
        Unit unit = root.unit;
        List<Path> dirs = new ArrayList<>();
        Path parent = Path.of(source.name()).getParent();
        dirs.add(parent == null ? Path.of("") : parent);
        dirs.addAll(importDirs);
        Imports.Reader reader = (file, internal) -> {
            int base = source.attach(file);
            Parser p = read(source, file, base, diags, predefined, List.of(), headers, blocks, unit.config(), envImports);
            return p == null ? null : p.unit;
        };
        Imports.Merged merged = Imports.resolve(unit, source, dirs, reader, diags);
        if (diags.errorCount() != before) {
            return Optional.empty();
        }
        try {
            Program program = root.finish(merged);
            // the scope checks' errors (undefined variables...: current bpftrace reports them before
            // typing, not when parsing) leave the program, which the caller must not use further
            return diags.errorCount() - root.scopeErrors == before ? Optional.of(program) : Optional.empty();
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }

    /**
     * Reads one file of a script up to its merging ({@link #unit}), or null after a syntax error.
     *
     * @param root the script (whose diagnostics show the text of a macro, {@link Source#attach})
     * @param base the offset the file's spans start from ({@link Source#attach}: 0 for the script)
     * @param rootConfig the script's config block, for a file it imports (null for the script itself)
     */
    private static Parser read(Source root, Source file, int base, Diagnostics diags, Map<String, String> predefined,
            List<String> includes, HeaderMacros headers, List<Macros.Definition> blocks, List<ConfigEntry> rootConfig,
            String envImports) {
        Source padded = base == 0 ? file : new Source(file.name(), "\n".repeat(base) + file.text());
        int before = diags.errorCount();
        Preprocessor.Result pre = Preprocessor.run(padded, predefined, includes, headers, diags);
        if (diags.errorCount() != before) {
            return null;
        }
        Parser p = new Parser(new Source(file.name(), pre.text()), diags, pre.macros(), pre.functions(), blocks);
        p.lexer.attachMacroTexts(root::attach);
        p.rootConfig = rootConfig;
        p.envImports = envImports;
        p.directiveLines = pre.lines();
        p.directives.addAll(pre.directives());
        try {
            p.unit = p.unit(padded.text().substring(base));
            return p;
        } catch (SyntaxError e) {
            return null;
        }
    }

    /** What {@link #unit} read. */
    private Unit unit;
    /** The errors of the scope checks ({@link Scopes}) when the script was finished. */
    private int scopeErrors;

    /** The config block of the script that imports this file (null when this file is the script). */
    List<ConfigEntry> rootConfig;

    /** {@code BPFTRACE_UNSTABLE_IMPORT_STATEMENT} of the environment (null if unset): wins over the config block. */
    String envImports;

    /** Where the file's preprocessor lines were ({@link Preprocessor.Result#lines}), in order. */
    List<Span> directiveLines = List.of();

    /**
     * What one file of a script holds before the files it imports are merged in and its macros
     * expanded.
     *
     * @param text the file's text (for the names of library macros it may call)
     * @param configSpan the config block (null if there is none)
     * @param macros its macro definitions
     * @param imports its {@code import "...";} lines (before its probes)
     * @param statementImports the imports inside its blocks (with {@code unstable_import_statement} enabled)
     */
    record Unit(String text, List<String> directives, List<Probe> probes, List<MapDecl> maps, List<ConfigEntry> config,
            Span configSpan, List<Macros.Definition> macros, List<Imports.Decl> imports,
            List<Imports.Decl> statementImports, List<Subprog> subprogs) {}

    /** Parses a lone expression (for tests and tools); errors go to {@code diags}. */
    public static Optional<Expr> parseExpression(Source source, Diagnostics diags) {
        Parser p = new Parser(source, diags);
        int before = diags.errorCount();
        try {
            Expr e = p.expr();
            p.expect(TokenKind.EOF);
            return diags.errorCount() == before ? Optional.of(e) : Optional.empty();
        } catch (SyntaxError e) {
            return Optional.empty();
        }
    }

    // ---- program ----

    /** What may come next at the top level: C definitions first, then config and imports, then the rest. */
    private enum Phase { DEFINITIONS, IMPORTS, BODY }

    private Unit unit(String text) {
        List<Probe> probes = new ArrayList<>();
        List<MapDecl> maps = new ArrayList<>();
        List<ConfigEntry> config = new ArrayList<>();
        List<Macros.Definition> macros = new ArrayList<>();
        List<Imports.Decl> imports = new ArrayList<>();
        List<Subprog> subprogs = new ArrayList<>();
        Span configSpan = null;
        Phase phase = Phase.DEFINITIONS;
        int definitionsEnd = -1; // where the first config block, import or probe began
        for (;;) {
            if (failed()) {
                throw new SyntaxError();
            }
            if (definitionsEnd >= 0) {
                // the text read since (the last item, with its blocks, and the blanks after it)
                lexer.skipTrivia();
                int to = lexer.position() < lexer.source().text().length() ? lexer.position() : Integer.MAX_VALUE;
                items.noDirectiveBetween(definitionsEnd, to);
                definitionsEnd = to;
            }
            if (lexer.atDirective()) {
                int at = lexer.position();
                String line = lexer.skipLine();
                if (phase != Phase.DEFINITIONS) {
                    items.misplacedDefinition(at, true);
                }
                directives.add(line);
                continue;
            }
            lexer.skipTrivia();
            if (lexer.position() >= lexer.source().text().length()) {
                break;
            }
            int at = lexer.position();
            String definition = lexer.cDefinition();
            if (definition == null && definitionsEnd < 0) {
                definitionsEnd = at; // what follows is no C definition: config, imports, probes
            }
            if (definition != null) {
                if (definitionsEnd >= 0) {
                    items.misplacedDefinition(at, false); // after a config block, an import or a probe
                }
                if (!definition.isEmpty()) {
                    directives.add(definition);
                }
                continue;
            }
            String rest = lexer.source().text().substring(lexer.position());
            if (rest.matches("(?s)import(?![A-Za-z0-9_]).*")) {
                if (phase == Phase.BODY) {
                    // current bpftrace's words (its parser's "syntax: " errors)
                    diags.error(new Span(at, at + "import".length()),
                            "syntax: root imports must appear before probes and functions");
                    throw new SyntaxError();
                }
                phase = Phase.IMPORTS;
                imports.add(items.importLine());
                continue;
            }
            if (rest.matches("(?s)config(?![A-Za-z0-9_]).*")) {
                if (phase == Phase.BODY || configSpan != null) {
                    // current bpftrace's words
                    diags.error(new Span(at, at + "config".length()), "syntax: " + (phase == Phase.BODY
                            ? "config must appear before probes and functions" : "duplicate config block"));
                    throw new SyntaxError();
                }
                phase = Phase.IMPORTS;
                items.configBlock(config);
                configSpan = new Span(at, prev.span().end());
                currentConfig.addAll(config);
                continue;
            }
            phase = Phase.BODY;
            if (rest.matches("(?s)let(?![A-Za-z0-9_]).*") && !rest.matches("(?s)let\\s*@.*")) {
                throw stop("root-level let statements need to be map declarations, e.g. let @a = hash(2);");
            }
            if (rest.matches("(?s)let\\s*@.*")) {
                maps.add(items.mapDecl()); // current bpftrace: among probes, functions and macros, in any order
                continue;
            }
            if (rest.matches("(?s)macro\\s+[A-Za-z_].*")) {
                macros.add(items.macroDefinition());
                continue;
            }
            if (rest.matches("(?s)fn\\s+[A-Za-z_].*")) {
                subprogs.add(items.subprog());
                continue;
            }
            probes.add(items.probe());
        }
        return new Unit(text, List.copyOf(directives), probes, maps, config, configSpan, macros, imports,
                List.copyOf(items.statementImports), subprogs);
    }

    /** Whether the next statement is {@code import ...} (not a call of something named import). */
    private boolean atImportStatement() {
        if (!atIdent("import")) {
            return false;
        }
        String text = lexer.source().text();
        int i = peek().span().end();
        while (i < text.length() && Character.isWhitespace(text.charAt(i))) {
            i++;
        }
        return i >= text.length() || text.charAt(i) != '(' && text.charAt(i) != '=';
    }

    /** The script's config block as read so far (its entries come before its probes). */
    final List<ConfigEntry> currentConfig = new ArrayList<>();

    /**
     * The script with the files it imports merged in (current bpftrace's order: their C definitions,
     * map declarations and macros after the script's; their probes before), its library macros
     * added, its scopes checked and its macros expanded.
     */
    private Program finish(Imports.Merged merged) {
        List<String> allDirectives = new ArrayList<>(unit.directives());
        List<MapDecl> maps = new ArrayList<>(unit.maps());
        List<Macros.Definition> macros = new ArrayList<>(unit.macros());
        List<Probe> probes = new ArrayList<>(unit.probes());
        List<Subprog> subprogs = new ArrayList<>(unit.subprogs());
        StringBuilder texts = new StringBuilder(unit.text());
        for (Unit u : merged.scripts()) {
            allDirectives.addAll(u.directives());
            maps.addAll(u.maps());
            macros.addAll(u.macros());
            subprogs.addAll(u.subprogs());
            Collections.reverse(probes);
            probes.addAll(u.probes());
            Collections.reverse(probes);
            texts.append('\n').append(u.text());
        }
        allDirectives.addAll(merged.definitions());
        // a script without probes parses (current bpftrace); running it is "No probes to attach"
        List<Macros.Definition> library = libraryMacros(macros, texts.toString());
        macros.addAll(blockExpressions);
        macros.addAll(library);
        int beforeScopes = diags.errorCount();
        Optional<Scopes.Result> scoped = Scopes.apply(probes, subprogs, macros, diags);
        if (scoped.isEmpty()) {
            throw new SyntaxError();
        }
        scopeErrors = diags.errorCount() - beforeScopes;
        List<Subprog> functions = new ArrayList<>();
        try {
            probes = Macros.expand(scoped.get().probes(), scoped.get().definitions(), diags);
            for (Subprog f : scoped.get().subprogs()) {
                // a function's body is expanded as a probe's (a probe without attach points)
                Probe asProbe = new Probe(List.of(), Optional.empty(), f.body(), f.span());
                functions.add(f.withBody(Macros.expand(List.of(asProbe), scoped.get().definitions(), diags)
                        .getFirst().body()));
            }
        } catch (Macros.Stop e) {
            throw new SyntaxError();
        }
        return new Program(allDirectives, probes, maps, unit.config(), merged.functions(), functions);
    }

    /**
     * The macros of bpf4j trace's {@linkplain Source#library() standard library} that the script
     * names and does not define itself (a script's macro of the same name and number of
     * parameters wins). They are read in the script's text followed by the library's, so that
     * their diagnostics name the library's file.
     */
    /** The names of the library's macros (a script that names none of them needs no library). */
    private static final List<String> LIBRARY_MACROS = List.of("assert", "container_of", "pcomm", "leader_comm");

    private List<Macros.Definition> libraryMacros(List<Macros.Definition> own, String texts) {
        String script = lexer.source().text();
        if (LIBRARY_MACROS.stream().noneMatch(texts::contains)) {
            return List.of(); // the library has no other macro
        }
        Diagnostics errors = new Diagnostics();
        Parser p = new Parser(new Source(lexer.source().name(), lexer.source().withLibrary()), errors,
                Map.of(), Map.of(), blockExpressions);
        p.lexer.reset(script.length() + 1);
        List<Macros.Definition> all = new ArrayList<>();
        for (;;) {
            p.lexer.skipTrivia();
            if (p.lexer.position() >= p.lexer.source().text().length()) {
                break;
            }
            all.add(p.items.macroDefinition());
        }
        if (errors.errorCount() > 0) {
            throw new IllegalStateException("bpf4j trace's standard library does not parse: " + errors.list());
        }
        return all.stream().filter(d -> texts.contains(d.name()) && own.stream().noneMatch(o -> o.name().equals(
                d.name()) && o.params().size() == d.params().size())).toList();
    }

    /**
     * The names current bpftrace's parser takes for builtins (not macro arguments, nor record
     * fields): the few builtins it keeps as such, {@code __builtin_*}, {@code argN} and {@code sargN}.
     */
    static boolean parserBuiltin(String name) {
        return Set.of("args", "ctx", "kstack", "nsecs", "pid", "tid", "ustack").contains(name)
                || name.startsWith("__builtin_") || name.matches("s?arg[0-9]+");
    }

    /**
     * A block whose last statement, written without {@code ;}, may be its value (a macro's body, a
     * block expression): reads from {@code {} to {@code }}, the statements into {@code body}.
     */
    Optional<Expr> valueBlock(List<Stmt> body) {
        expect(TokenKind.LBRACE);
        Optional<Expr> value = Optional.empty();
        boolean semi = false; // whether a ';' may follow (after an if or a block, as after an expression)
        for (;;) {
            if (failed()) {
                throw new SyntaxError();
            }
            if (at(TokenKind.RBRACE)) {
                break;
            }
            if (at(TokenKind.SEMI)) {
                emptyStatement(semi);
                semi = false;
                continue;
            }
            semi = false;
            if (at(TokenKind.EOF)) {
                throw expected("'}'");
            }
            if (atImportStatement()) {
                items.statementImport();
                continue;
            }
            if (atIdent("if")) {
                IfParts p = ifParts();
                if (failed()) {
                    throw new SyntaxError();
                }
                if (p.hasElse() && at(TokenKind.RBRACE)) {
                    value = Optional.of(ifValue(p)); // the last if/else of a value block is its value
                } else {
                    body.add(ifStatement(p));
                    semi = true;
                }
                continue;
            }
            int errors = diags.errorCount();
            Token first = peek();
            Stmt s = statement();
            if (diags.errorCount() > errors) {
                throw afterFailedStatement(s, first);
            }
            if (endsWithBlock(s) && !((isBlock(s) || isTernary(s)) && at(TokenKind.RBRACE))) {
                body.add(s); // (a block or a ternary that ends the value block is its value)
                semi = s instanceof Stmt.If || isBlock(s) || isTernary(s);
                continue;
            }
            if (accept(TokenKind.SEMI)) {
                body.add(s);
            } else if (at(TokenKind.RBRACE) && s instanceof Stmt.ExprStmt e) {
                value = Optional.of(e.expr());
            } else if (at(TokenKind.RBRACE)) {
                body.add(s);
            } else {
                throw expected("';'");
            }
        }
        take();
        return value;
    }

    /**
     * Current bpftrace's block expressions ({@code { let $a = 1; $a + 1 }}): each becomes a macro
     * without parameters that {@link Macros} expands in place (its statements before the statement
     * that uses it, its variables and maps those of the probe).
     */
    private final List<Macros.Definition> blockExpressions;

    /** The full name of a provider written in short form ({@code i} → {@code interval}). */
    public static String expandProvider(String p) {
        return AttachPointText.expandProvider(p);
    }

    // ---- statements ----

    List<Stmt> block() {
        expect(TokenKind.LBRACE);
        List<Stmt> stmts = new ArrayList<>();
        boolean semi = false; // whether a ';' may follow (after an if or a block, as after an expression)
        for (;;) {
            if (failed()) {
                throw new SyntaxError(); // as current bpftrace, no statement after an error
            }
            if (at(TokenKind.RBRACE)) {
                break;
            }
            if (at(TokenKind.SEMI)) {
                emptyStatement(semi);
                semi = false;
                continue;
            }
            semi = false;
            if (at(TokenKind.EOF)) {
                throw expected("'}'");
            }
            if (atImportStatement()) {
                items.statementImport();
                continue;
            }
            int errors = diags.errorCount();
            Token first = peek();
            Stmt s = statement();
            if (diags.errorCount() > errors) {
                throw afterFailedStatement(s, first);
            }
            if (s instanceof Stmt.Jump j && at(TokenKind.SEMI)) {
                // current bpftrace's return, break and continue end with their ';' (where its errors point)
                s = new Stmt.Jump(j.kind(), j.value(), j.span().to(peek().span()));
            }
            stmts.add(s);
            if (endsWithBlock(s)) {
                semi = s instanceof Stmt.If || isBlock(s) || isTernary(s);
                continue;
            }
            if (!accept(TokenKind.SEMI) && !at(TokenKind.RBRACE)) {
                throw expected("';'");
            }
        }
        take();
        return stmts;
    }

    /**
     * A {@code ;} where a statement would start: current bpftrace reads an {@code if} and a block as
     * expressions, which one {@code ;} may end ({@code if (x) { };}); anywhere else ({@code { ; }},
     * {@code $x = 1;;}, {@code while (c) { };}) it reads an expression there and finds none.
     */
    private void emptyStatement(boolean allowed) {
        if (!allowed) {
            throw stop("expected expression");
        }
        take();
    }

    /**
     * After a statement current bpftrace's parser read on through an error: the checks it still
     * makes before its block stops. An expression statement not led by a variable or map, an
     * assignment and a jump must end at {@code ;} or {@code }} ("expected ';'"); a statement that
     * read nothing is "unexpected input in block".
     */
    private SyntaxError afterFailedStatement(Stmt s, Token first) {
        boolean sigilExpression = s instanceof Stmt.ExprStmt && (first.kind() == TokenKind.VAR
                || first.kind() == TokenKind.MAP);
        if (!at(TokenKind.SEMI) && !at(TokenKind.RBRACE) && !endsWithBlock(s) && !sigilExpression) {
            syntaxError(peek(), "expected ';'");
        }
        if (peek().span().begin() == first.span().begin() && peek().kind() != TokenKind.EOF) {
            syntaxError(peek(), "unexpected input in block");
        }
        return new SyntaxError();
    }

    /**
     * Whether a statement ends with its own block, so no {@code ;} need follow it; so also a ternary
     * ({@code c ? a : b}), which current bpftrace reads as an if-expression, as its formatter prints
     * it (without {@code ;}).
     */
    private static boolean endsWithBlock(Stmt s) {
        return s instanceof Stmt.If || s instanceof Stmt.While || s instanceof Stmt.Unroll
                || s instanceof Stmt.ForMap || s instanceof Stmt.ForRange || isBlock(s) || isTernary(s);
    }

    /** Whether a statement is a ternary alone. */
    private static boolean isTernary(Stmt s) {
        return s instanceof Stmt.ExprStmt e && e.expr() instanceof Expr.Ternary;
    }

    /** Whether a statement is a block alone ({@code { ... }}, parsed as a block expression). */
    private static boolean isBlock(Stmt s) {
        return s instanceof Stmt.ExprStmt e && e.expr() instanceof Expr.Call c && c.name().startsWith(Macros.BLOCK_PREFIX);
    }

    private Stmt statement() {
        Token t = peek();
        if (t.kind() == TokenKind.IDENT) {
            switch (t.text()) {
                case "if" -> {
                    return ifStatement(ifParts());
                }
                case "while" -> {
                    take();
                    // current bpftrace also takes a unary condition without parentheses: while !$a { ... }
                    Expr cond = at(TokenKind.LPAREN) ? parenthesised() : unary();
                    List<Stmt> body = block();
                    return new Stmt.While(cond, body, t.span().to(prev.span()));
                }
                case "unroll" -> {
                    take();
                    Expr n = at(TokenKind.LPAREN) ? parenthesised() : unary();
                    List<Stmt> body = block();
                    return new Stmt.Unroll(n, body, t.span().to(prev.span()));
                }
                case "for" -> {
                    return forStmt();
                }
                case "break", "continue", "return" -> {
                    take();
                    Optional<Expr> value = Optional.empty();
                    if (t.text().equals("return") && !at(TokenKind.SEMI) && !at(TokenKind.RBRACE)) {
                        value = Optional.of(expr()); // current bpftrace: the probe's return value
                    }
                    return new Stmt.Jump(Stmt.JumpKind.valueOf(t.text().toUpperCase(Locale.ROOT)), value,
                            value.map(v -> t.span().to(v.span())).orElse(t.span()));
                }
                case "let" -> {
                    take();
                    Token v = expect(TokenKind.VAR, "variable after 'let'");
                    if (v.text().equals("$")) {
                        la = v;
                        throw stop("expected identifier after '$'");
                    }
                    Expr.Var var = new Expr.Var(v.text(), v.span());
                    Optional<TypeName> type = Optional.empty();
                    if (accept(TokenKind.COLON)) {
                        type = Optional.of(typeName());
                    }
                    Optional<Expr> value = Optional.empty();
                    Span op = t.span();
                    if (at(TokenKind.ASSIGN)) {
                        op = take().span();
                        value = Optional.of(expr());
                    }
                    return new Stmt.AssignVar(var, value, true, type, t.span().to(prev.span()), op);
                }
                case "_" -> {
                    if (peekSecondIsAssign()) {
                        // current bpftrace: "_ = expr" evaluates expr and discards its value
                        take();
                        take();
                        Expr e = expr();
                        return new Stmt.ExprStmt(e, t.span().to(prev.span()));
                    }
                }
                default -> { }
            }
        }
        Expr target = expr();
        if (at(TokenKind.ASSIGN) || compound(peek().kind()) != null) {
            Token op = take();
            Expr value = expr();
            BinOp bin = compound(op.kind());
            if (bin != null) {
                value = new Expr.Binary(bin, target, value, target.span().to(value.span()), op.span());
            }
            Span span = target.span().to(value.span());
            return switch (target) {
                case Expr.Var v -> new Stmt.AssignVar(v, Optional.of(value), false, Optional.empty(), span, op.span());
                case Expr.MapRef m -> new Stmt.AssignMap(m, value, span);
                default -> throw badTarget(target, op, value);
            };
        }
        return new Stmt.ExprStmt(target, target.span());
    }

    /**
     * An assignment to what is neither a variable nor a map, in current bpftrace's words: after a
     * variable or map, a tuple element or field is "immutable", another element an "invalid
     * assignment target" (placed from the target to the value's end); after anything else the
     * statement ends before the {@code =} ("expected ';'").
     */
    private SyntaxError badTarget(Expr target, Token op, Expr value) {
        char lead = lexer.source().text().charAt(target.span().begin());
        boolean postfixOfSigil = (lead == '$' || lead == '@') && (target instanceof Expr.TupleIndex
                || target instanceof Expr.Field || target instanceof Expr.Index);
        if (!postfixOfSigil || op.kind() != TokenKind.ASSIGN) {
            syntaxError(op, "expected ';'");
            return new SyntaxError();
        }
        diags.error(target.span().to(value.span()), "syntax: " + (target instanceof Expr.Index
                ? "invalid assignment target"
                : "Tuples and records are immutable once created. Consider creating a new value and assigning it instead."));
        return new SyntaxError();
    }

    private static BinOp compound(TokenKind k) {
        return switch (k) {
            case PLUS_ASSIGN -> BinOp.ADD;
            case MINUS_ASSIGN -> BinOp.SUB;
            case MUL_ASSIGN -> BinOp.MUL;
            case DIV_ASSIGN -> BinOp.DIV;
            case MOD_ASSIGN -> BinOp.MOD;
            case BAND_ASSIGN -> BinOp.BAND;
            case BOR_ASSIGN -> BinOp.BOR;
            case BXOR_ASSIGN -> BinOp.BXOR;
            case SHL_ASSIGN -> BinOp.SHL;
            case SHR_ASSIGN -> BinOp.SHR;
            default -> null;
        };
    }

    /** {@code (EXPR)}: a missing {@code )} is reported and reading goes on (current bpftrace). */
    private Expr parenthesised() {
        expect(TokenKind.LPAREN);
        Expr e = expr();
        close(TokenKind.RPAREN);
        return e;
    }

    /**
     * An {@code if} read with its branches as value blocks (current bpftrace's if is an expression:
     * a branch's last expression, written without {@code ;}, is its value).
     *
     * @param elseIf the {@code else if} that is the else branch, if it is one
     */
    private record IfParts(Expr cond, List<Stmt> then, Optional<Expr> thenValue, boolean hasElse,
            List<Stmt> otherwise, Optional<Expr> elseValue, Optional<IfParts> elseIf, Span span) {}

    /** The if/else values made of ifs ({@link #ifValue}), to be ifs again where they are statements. */
    private final IdentityHashMap<Expr, IfParts> ifValues = new IdentityHashMap<>();

    /** An if as a statement: the branches' values are evaluated as statements. */
    private Stmt ifStatement(IfParts p) {
        List<Stmt> other = p.elseIf().isPresent() ? List.of(ifStatement(p.elseIf().get()))
                : withValue(p.otherwise(), p.elseValue());
        return new Stmt.If(p.cond(), withValue(p.then(), p.thenValue()), other, p.span());
    }

    private List<Stmt> withValue(List<Stmt> body, Optional<Expr> value) {
        if (value.isEmpty()) {
            return body;
        }
        List<Stmt> out = new ArrayList<>(body);
        IfParts inner = ifValues.get(value.get());
        out.add(inner != null ? ifStatement(inner) : new Stmt.ExprStmt(value.get(), value.get().span()));
        return out;
    }

    private IfParts ifParts() {
        Token t = take();
        // current bpftrace also takes a unary condition without parentheses: if !$x { ... } (if $x > 1 { is
        // "expected '{'" at the '>')
        Expr cond = at(TokenKind.LPAREN) ? parenthesised() : unary();
        List<Stmt> then = new ArrayList<>();
        Optional<Expr> thenValue = valueBlock(then);
        List<Stmt> otherwise = new ArrayList<>();
        Optional<Expr> elseValue = Optional.empty();
        Optional<IfParts> elseIf = Optional.empty();
        boolean hasElse = atIdent("else");
        if (hasElse) {
            take();
            if (atIdent("if")) {
                elseIf = Optional.of(ifParts());
            } else {
                elseValue = valueBlock(otherwise);
            }
        }
        return new IfParts(cond, then, thenValue, hasElse, otherwise, elseValue, elseIf, t.span().to(prev.span()));
    }

    /**
     * An if/else as a value: {@code c ? a : b} where a branch with statements is a block
     * expression ({@link Macros} runs a branch's statements only when it is taken).
     */
    private Expr ifValue(IfParts p) {
        Expr then = branchValue(p.then(), p.thenValue(), p.span());
        Expr otherwise = p.elseIf().isPresent() ? ifValue(p.elseIf().get())
                : branchValue(p.otherwise(), p.elseValue(), p.span());
        Expr value = new Expr.Ternary(p.cond(), then, otherwise, p.span());
        ifValues.put(value, p);
        return value;
    }

    private Expr branchValue(List<Stmt> body, Optional<Expr> value, Span span) {
        if (body.isEmpty() && value.isPresent()) {
            return value.get();
        }
        return blockCall(body, value, value.map(Expr::span).orElse(span));
    }

    @Override
    Expr ifExpression() {
        Token t = peek();
        IfParts p = ifParts();
        if (!p.hasElse()) {
            diags.error(t.span(), "An if used as a value needs an else branch");
            throw new SyntaxError();
        }
        return ifValue(p);
    }

    private Stmt forStmt() {
        Token t = take();
        boolean paren = accept(TokenKind.LPAREN);
        Token v = expect(TokenKind.VAR, "variable in for loop");
        if (v.text().equals("$")) {
            la = v;
            throw stop("expected identifier after '$'");
        }
        Expr.Var var = new Expr.Var(v.text(), v.span());
        expect(TokenKind.COLON);
        Stmt result;
        if (at(TokenKind.MAP)) {
            Expr m = postfix();
            if (!(m instanceof Expr.MapRef map) || !map.keys().isEmpty()) {
                if (paren) {
                    expect(TokenKind.RPAREN);
                }
                throw expected("map or range in for loop");
            }
            if (paren) {
                expect(TokenKind.RPAREN);
            }
            List<Stmt> body = block();
            result = new Stmt.ForMap(var, map, body, t.span().to(prev.span()));
        } else {
            // as current bpftrace, a range's bounds are primary expressions: 1+1..10 needs parentheses
            Expr from = rangeBound();
            if (!at(TokenKind.DOTDOT)) {
                if (paren) {
                    expect(TokenKind.RPAREN); // bpftrace expects a map then: "expected ')'" at the operator
                }
                throw expected("map or range in for loop");
            }
            Token dots = take();
            if (dots.text().equals("...")) {
                // bpftrace reads "..", then no expression at the third dot, where it also expects the ')'
                Span third = bpftraceSpan(lexer.source().text(), dots.span().end() - 1);
                diags.error(third, "syntax: expected expression");
                if (paren) {
                    diags.error(third, "syntax: expected ')'");
                }
                throw new SyntaxError();
            }
            Expr to = rangeBound();
            if (paren) {
                expect(TokenKind.RPAREN);
            }
            List<Stmt> body = block();
            result = new Stmt.ForRange(var, from, to, body, t.span().to(prev.span()));
        }
        return result;
    }

    /** A range's bound: a primary expression, which in current bpftrace includes a cast ({@code (uint64)20}). */
    private Expr rangeBound() {
        return at(TokenKind.LPAREN) && isCast() ? unary() : primary();
    }

    @Override
    Expr blockExpression(Token t) {
        List<Stmt> body = new ArrayList<>();
        Optional<Expr> value = valueBlock(body);
        return blockCall(body, value, t.span().to(prev.span()));
    }

    /** A block expression's statements and value: a call of a definition that {@link Macros} expands. */
    private Expr blockCall(List<Stmt> body, Optional<Expr> value, Span span) {
        String name = Macros.BLOCK_PREFIX + blockExpressions.size();
        blockExpressions.add(new Macros.Definition(name, List.of(), body, value, span));
        return new Expr.Call(name, List.of(), span);
    }
}
