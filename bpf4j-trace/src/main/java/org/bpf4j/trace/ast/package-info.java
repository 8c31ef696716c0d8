/**
 * The syntax tree of the bpftrace language: sealed interfaces of records ({@link org.bpf4j.trace.ast.Expr},
 * {@link org.bpf4j.trace.ast.Stmt}), the {@link org.bpf4j.trace.ast.Program} of
 * {@link org.bpf4j.trace.ast.Probe}s, and {@link org.bpf4j.trace.ast.AstPrinter}, which prints a tree
 * back as source (the parser reads that text back to an equal tree, spans aside).
 */
package org.bpf4j.trace.ast;
