/**
 * Code generation straight to eBPF instructions: one program per attach point, maps typed as
 * bpftrace types them (per-CPU hashes for aggregations), async actions (printf, print, time, exit,
 * clear, zero) as ring buffer events whose formatting happens in Java.
 */
package org.bpf4j.trace.codegen;
