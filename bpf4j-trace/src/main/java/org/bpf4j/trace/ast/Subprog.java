package org.bpf4j.trace.ast;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.trace.Span;

/**
 * A function of the script, current bpftrace's {@code fn NAME($a: TYPE, ...): TYPE { BODY }} at
 * the top level (its "subprog"). Immutable.
 *
 * @param name the function's name
 * @param params its parameters in order
 * @param result its result type as written ({@code void} for none)
 * @param body its statements
 * @param span where it is written, from {@code fn} to its closing brace
 * @param head {@code fn NAME}, where current bpftrace reports errors about the whole function
 */
public record Subprog(String name, List<Param> params, TypeName result, List<Stmt> body, Span span, Span head) {
    public Subprog {
        Objects.requireNonNull(name);
        params = List.copyOf(params);
        Objects.requireNonNull(result);
        body = List.copyOf(body);
    }

    /**
     * A parameter, {@code $a: TYPE}.
     *
     * @param var the variable that holds it in the body
     * @param type its type as written ({@code typeof($b)} may name a parameter written later)
     * @param span from the variable to the end of the type
     */
    public record Param(Expr.Var var, TypeName type, Span span) {}

    /** Whether the result type is {@code void} (the function returns no value). */
    public boolean isVoid() {
        return result.typeOf() == null && result.name().equals("void") && result.pointers() == 0
                && result.arrayLength() < 0;
    }

    /** This function with another body (its signature kept). */
    public Subprog withBody(List<Stmt> other) {
        return new Subprog(name, params, result, other, span, head);
    }

    /** The parameter of this name, if there is one. */
    public Optional<Param> param(String var) {
        return params.stream().filter(p -> p.var().name().equals(var)).findFirst();
    }
}
