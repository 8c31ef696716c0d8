/**
 * What a script's attach points refer to on this machine: tracepoints and their record formats
 * (from tracefs), functions and USDT probes of binaries; wildcard expansion of attach points;
 * and the probe listing of {@code bpf4j trace -l}.
 */
package org.bpf4j.trace.probe;
