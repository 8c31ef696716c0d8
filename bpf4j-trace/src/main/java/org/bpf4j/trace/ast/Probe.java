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
 */
public record Probe(List<AttachPoint> attachPoints, Optional<Expr> predicate, List<Stmt> body, Span span) {
    public Probe {
        attachPoints = List.copyOf(attachPoints);
        body = List.copyOf(body);
    }
}
