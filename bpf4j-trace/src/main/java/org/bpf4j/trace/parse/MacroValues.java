package org.bpf4j.trace.parse;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToIntFunction;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.Source;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;

/**
 * Current bpftrace's checks of an object-like C macro ({@code #define NAME value}) where the script
 * uses its name as a value: the value, read alone, must be one expression ("unable to expand macro
 * as an expression"), and so must the values of the macros it names, none of which may be one
 * being expanded ("Macro recursion", at the name in the macro's text). bpf4j still expands the
 * tokens as C does (function-like macros too, which current bpftrace lacks); these checks only
 * refuse what current bpftrace refuses.
 */
final class MacroValues {
    private final Map<String, String> macros;
    private final Diagnostics diags;
    /** Makes a macro's text a source of the script's diagnostics ({@link Source#attach}), or null. */
    private ToIntFunction<Source> attach;
    /** The macros whose value (and those of the macros in it) passed. */
    private final Set<String> good = new HashSet<>();
    /** The uses reported (a look-ahead reads a use again). */
    private final Set<Integer> reported = new HashSet<>();

    MacroValues(Map<String, String> macros, Diagnostics diags) {
        this.macros = macros;
        this.diags = diags;
    }

    void attachWith(ToIntFunction<Source> attach) {
        this.attach = attach;
    }

    /** Whether the macro {@code name}, used at {@code use}, may be expanded (else reported once). */
    boolean check(String name, Span use) {
        if (good.contains(name)) {
            return true;
        }
        if (!check(name, use, new ArrayList<>())) {
            return false;
        }
        good.add(name);
        return true;
    }

    private boolean check(String name, Span use, List<String> active) {
        String text = macros.get(name);
        if (text.isBlank()) {
            return true; // an empty macro (current bpftrace has none: the name stays a name)
        }
        Lexer raw = new Lexer(new Source(name, text), new Diagnostics());
        List<Token> tokens = new ArrayList<>();
        for (Token t = raw.next(); t.kind() != TokenKind.EOF; t = raw.next()) {
            tokens.add(t);
        }
        StringBuilder spelled = new StringBuilder(); // its tokens without spaces, as current bpftrace keeps it
        for (Token t : tokens) {
            spelled.append(text, t.span().begin(), t.span().end());
        }
        Optional<Expr> value = Parser.parseExpression(new Source(name, spelled.toString()), new Diagnostics());
        if (value.isEmpty()) {
            report(use, () -> diags.error(use, "unable to expand macro as an expression: " + spelled));
            return false;
        }
        if (value.get() instanceof Expr.Builtin) {
            // a value that is one name (#define IPPROTO_TCP IPPROTO_TCP of linux/in.h, which names the
            // enum's variant, or enum { A = 1 } #define A A): current bpftrace puts that name in the
            // use's place and expands no further, so it is no recursion; the name is then what it
            // names (the variant, or an unknown identifier)
            return true;
        }
        active.add(name);
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            boolean field = i > 0 && (tokens.get(i - 1).kind() == TokenKind.DOT
                    || tokens.get(i - 1).kind() == TokenKind.ARROW);
            if (t.kind() != TokenKind.IDENT || field || !macros.containsKey(t.text())) {
                continue;
            }
            if (active.contains(t.text())) {
                report(use, () -> {
                    String message = "Macro recursion: " + String.join("->", active);
                    if (attach == null) {
                        diags.error(use, message);
                        return;
                    }
                    int base = attach.applyAsInt(new Source(name, text));
                    diags.error(new Span(base + t.span().begin(), base + t.span().end()), message);
                    diags.context(use, "expanded from");
                });
                return false;
            }
            if (!check(t.text(), use, active)) {
                return false;
            }
        }
        active.removeLast();
        return true;
    }

    private void report(Span use, Runnable r) {
        if (reported.add(use.begin())) {
            r.run();
        }
    }
}
