/**
 * Attaching loaded programs to the kernel's hooks: {@link org.bpf4j.linux.link.Attacher} makes
 * {@link org.bpf4j.linux.link.Link}s (tracepoints, raw tracepoints, BTF tracing, uprobes,
 * uprobe_multi, USDT, perf events, XDP, tcx, socket filters, cgroups), each closed to detach.
 */
package org.bpf4j.linux.link;
