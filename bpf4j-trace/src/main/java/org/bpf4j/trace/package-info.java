/**
 * bpf4j trace: the bpftrace language compiled straight to eBPF in Java.
 *
 * <p>The pipeline is {@link org.bpf4j.trace.parse} (lexer, parser) → {@link org.bpf4j.trace.ast}
 * (sealed records) → {@link org.bpf4j.trace.sema} (types, bpftrace's error messages) →
 * {@link org.bpf4j.trace.codegen} (eBPF instructions, maps, event tables) →
 * {@link org.bpf4j.trace.runtime} (the VM backend and bpftrace's output formats).
 * {@link org.bpf4j.trace.TraceCompiler} runs the stages; errors are {@link org.bpf4j.trace.Diagnostic}s
 * rendered as bpftrace renders them.
 */
package org.bpf4j.trace;
