package org.bpf4j.trace.ast;

import org.bpf4j.trace.Span;

/**
 * A top-level map declaration of current bpftrace: {@code let @name = lruhash(100);}.
 *
 * @param map the map's name with its {@code @}
 * @param kind the map kind as written ({@code hash}, {@code lruhash}, {@code percpuhash}, {@code percpulruhash})
 * @param maxEntries the number of entries the map holds
 * @param span the whole declaration
 * @param kindSpan the kind and its argument
 */
public record MapDecl(String map, String kind, long maxEntries, Span span, Span kindSpan) {}
