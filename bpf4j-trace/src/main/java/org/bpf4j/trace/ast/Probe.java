package org.bpf4j.trace.ast;

import java.util.List;
import java.util.Optional;
import org.bpf4j.trace.Span;

/**
 * A probe: attach points, an optional predicate and a body.
 *
 * @param attachPoints where it fires (at least one)
 * @param predicate the {@code /.../} condition
 * @param body the statements
 * @param span where it is written
 * @param predicateSpan where the predicate is written with its slashes ({@code / x > 1 /}; current
 *        bpftrace's place of an invalid condition), or {@link Span#NONE} without a predicate
 */
public record Probe(List<AttachPoint> attachPoints, Optional<Expr> predicate, List<Stmt> body, Span span,
        Span predicateSpan) {
    public Probe {
        attachPoints = List.copyOf(attachPoints);
        body = List.copyOf(body);
    }

    /** A probe whose predicate's place is its expression's (a probe the compiler makes). */
    public Probe(List<AttachPoint> attachPoints, Optional<Expr> predicate, List<Stmt> body, Span span) {
        this(attachPoints, predicate, body, span, predicate.map(Expr::span).orElse(Span.NONE));
    }
}
