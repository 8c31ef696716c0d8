package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.UnOp;

/**
 * The script's own command-line options (current bpftrace): {@code getopt("name"[, default[,
 * "description"]])} declares {@code --name}, given after {@code --} on bpftrace's command line as
 * {@code --name=value} ({@code --name} alone is {@code true}). The value is known when compiling,
 * so a call is a constant: a boolean without a default or with a boolean one, an unsigned 64-bit
 * integer with a non-negative default, a signed one with a negative default, a string with a
 * string default. After the program is typed, {@link #check} reports the options given that no
 * {@code getopt} declares (with the list of those it declares as a hint: {@code --help} asks for
 * just that list), else the first value that is not of its option's type, in bpftrace's words.
 */
final class ProgramOptions {
    private final SemanticAnalyser a;
    private final Map<String, String> given;
    /** Declared options, in the order of the script, with their descriptions. */
    private final Map<String, String> declared = new LinkedHashMap<>();
    /** Values not of their option's type, by option. */
    private final Map<String, String> badValues = new LinkedHashMap<>();

    ProgramOptions(SemanticAnalyser a, Map<String, String> given) {
        this.a = a;
        this.given = Collections.unmodifiableMap(new HashMap<>(given));
    }

    /** Types a {@code getopt()} call (recording it as a constant or a string literal). */
    Type getopt(Expr.Call c) {
        List<Expr> args = c.args();
        // current bpftrace's words and order (its named-parameters pass)
        if (!args.isEmpty() && !(args.getFirst() instanceof Expr.StrLit)) {
            a.error(args.getFirst().span(), "First argument to 'getopt' must be a string literal.");
            return Type.NONE;
        }
        if (args.isEmpty() || args.size() > 3) {
            a.error(c.span(), "The 'getopt' function can take a maximum of three arguments and a minimum of one "
                    + "argument.");
            return Type.NONE;
        }
        Expr.StrLit name = (Expr.StrLit) args.getFirst();
        if (args.size() >= 2 && integer(args.get(1)) == null && !(args.get(1) instanceof Expr.StrLit)
                && !(args.get(1) instanceof Expr.BoolLit)) {
            a.error(args.get(1).span(), "Second argument to 'getopt' must be a string literal, integer literal, or a "
                    + "boolean literal.");
            return Type.NONE;
        }
        String description = "";
        if (args.size() == 3) {
            if (args.get(2) instanceof Expr.StrLit s) {
                description = s.value();
            } else {
                a.error(c.span(), "getopt() expects a string literal as the description");
            }
        }
        Expr def = args.size() >= 2 ? args.get(1) : new Expr.BoolLit(false, c.span());
        if (!sameAsFirst(c, name.value(), def, description)) {
            return Type.NONE;
        }
        declared.merge(name.value(), description, (old, now) -> old.isEmpty() ? now : old);
        String value = given.get(name.value());
        switch (def) {
            case Expr.StrLit s -> {
                if (flagOnly(name.value())) {
                    bad(name.value(), "true", "expects a string");
                }
                String v = value != null ? value : s.value();
                Expr lit = a.rewrites.computeIfAbsent(c, k -> new Expr.StrLit(v, c.span()));
                return a.type(lit);
            }
            case Expr.BoolLit b -> {
                boolean v = b.value();
                if (flagOnly(name.value())) {
                    v = true;
                } else if (value != null) {
                    String lower = value.toLowerCase(Locale.ROOT);
                    if (List.of("1", "true", "on", "yes").contains(lower)) {
                        v = true;
                    } else if (List.of("0", "false", "off", "no").contains(lower)) {
                        v = false;
                    } else {
                        bad(name.value(), value, "expects a boolean (e.g. 'true')");
                    }
                }
                a.constant(c, v ? 1L : 0L);
                return Type.Int.bool(8);
            }
            default -> {
                Long d = integer(def);
                if (d == null) {
                    a.type(def);
                    a.error(c.span(), "getopt() expects a literal (integer, string or boolean) as the default value");
                    return Type.NONE;
                }
                boolean signed = d < 0;
                long v = d;
                if (flagOnly(name.value())) {
                    bad(name.value(), "true", "expects an integer");
                } else if (value != null) {
                    {
                        try {
                            v = signed ? IntText.parseSigned(value) : IntText.parseUnsigned(value);
                        } catch (IntText.Invalid e) {
                            bad(name.value(), value, e.overflow() ? "value is out of range" : e.reason());
                        }
                    }
                }
                a.constant(c, v);
                return signed ? Type.INT64 : Type.UINT64;
            }
        }
    }

    /** The first {@code getopt} call of each option, with its default (as {@link #defaultText}) and description. */
    private final Map<String, First> first = new HashMap<>();

    private record First(Expr.Call call, String text, String description) {}

    /**
     * Whether a {@code getopt} call agrees with the option's first call, as current bpftrace
     * requires: the same default (of the same kind), and the same description when both have one.
     */
    private boolean sameAsFirst(Expr.Call c, String name, Expr def, String description) {
        String text = defaultText(def);
        First f = first.computeIfAbsent(name, k -> new First(c, text, description));
        if (f.call() == c || text == null || f.text() == null) {
            return true;
        }
        if (!f.text().equals(text)) {
            a.error(c.span(), "Command line option '" + name + "' needs to have the same default value in all places "
                    + "it is used. Previous default value: " + f.text().substring(2));
            return false;
        }
        if (!description.isEmpty() && !f.description().isEmpty() && !f.description().equals(description)) {
            a.error(c.span(), "Command line option '" + name + "' must have the same description in all places "
                    + "it's used. Hint: You can wrap it in a macro");
            return false;
        }
        return true;
    }

    /** A default's kind and value ({@code b:true}, {@code s:text}, {@code u:1}, {@code i:-1}), or null if it is none. */
    private static String defaultText(Expr def) {
        return switch (def) {
            case Expr.BoolLit b -> "b:" + b.value();
            case Expr.StrLit s -> "s:" + s.value();
            case Expr.IntLit i when i.unsigned() || i.value() >= 0 -> "u:" + Long.toUnsignedString(i.value());
            default -> {
                Long v = integer(def);
                yield v == null ? null : v < 0 ? "i:" + v : "u:" + v;
            }
        };
    }

    /** True if the option was given without a value ({@code --name}). */
    private boolean flagOnly(String name) {
        return given.containsKey(name) && given.get(name) == null;
    }

    private void bad(String name, String value, String why) {
        badValues.putIfAbsent(name, "program command line option --" + name + " " + why + " (value: " + value + ")");
    }

    private static Long integer(Expr e) {
        if (e instanceof Expr.IntLit i) {
            return i.value();
        }
        if (e instanceof Expr.Unary u && u.op() == UnOp.NEG && u.operand() instanceof Expr.IntLit i) {
            return -i.value();
        }
        return null;
    }

    /**
     * Reports the options given that the script does not declare (an error, and the declared
     * ones as a hint; {@code --help} alone gives the hint without an error), else the values not
     * of their option's type. Adds nothing if every option given is declared and well typed.
     */
    void check(Diagnostics diags) {
        List<String> unexpected = new ArrayList<>();
        for (String name : given.keySet()) {
            if (!declared.containsKey(name)) {
                unexpected.add(name);
            }
        }
        if (!unexpected.isEmpty()) {
            boolean help = unexpected.remove("help");
            if (!unexpected.isEmpty()) {
                diags.error(Span.NONE, "unexpected program command line options: --"
                        + String.join(", --", unexpected.stream().sorted().toList()));
            } else {
                // --help only: nothing is wrong, yet the script does not run
                diags.halt();
            }
            if (declared.isEmpty()) {
                diags.hint("no custom program options defined.");
            } else if (help) {
                StringBuilder sb = new StringBuilder("expected program options:");
                declared.forEach((n, d) -> sb.append("\n--").append(n).append(d.isEmpty() ? "" : ": " + d));
                diags.hint(sb.toString());
            } else {
                diags.hint("expected program options: --" + String.join(", --", declared.keySet()));
            }
            return;
        }
        if (!badValues.isEmpty()) {
            diags.error(Span.NONE, badValues.values().iterator().next()); // the first, as bpftrace
        }
    }
}
