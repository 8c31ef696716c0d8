package org.bpf4j.trace.parse;

import org.bpf4j.trace.Span;

/**
 * A token: its kind, its text as written (for identifiers, variables and maps the name with its
 * sigil; for strings the decoded value) and where it is.
 *
 * @param kind the kind
 * @param text the text (see above)
 * @param value the value of an integer token
 * @param span where it is
 */
public record Token(TokenKind kind, String text, long value, Span span) {}
