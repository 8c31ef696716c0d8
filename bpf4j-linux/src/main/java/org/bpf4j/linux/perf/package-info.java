/**
 * Perf events: opening them ({@link org.bpf4j.linux.perf.PerfEvents}, the attribute struct in
 * {@link org.bpf4j.linux.perf.PerfLayouts}) and reading the per-CPU rings that
 * {@code bpf_perf_event_output} writes into ({@link org.bpf4j.linux.perf.PerfBuffer}), with the
 * kernel's lost-sample counts.
 */
package org.bpf4j.linux.perf;
