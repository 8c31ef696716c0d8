/**
 * Running compiled scripts: {@link org.bpf4j.trace.runtime.VmTraceRuntime} on the bpf4j VM, and
 * bpftrace's text and JSON output ({@link org.bpf4j.trace.runtime.Output}).
 */
package org.bpf4j.trace.runtime;
