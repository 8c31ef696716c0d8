/**
 * Reading the bpftrace language: {@link org.bpf4j.trace.parse.Lexer} and the recursive-descent
 * {@link org.bpf4j.trace.parse.Parser}, which report errors as diagnostics in bison's words.
 */
package org.bpf4j.trace.parse;
