/**
 * Types of the bpftrace language and the checker that gives every expression one
 * ({@link org.bpf4j.trace.sema.SemanticAnalyser}), with bpftrace's error wording; printf format strings.
 */
package org.bpf4j.trace.sema;
