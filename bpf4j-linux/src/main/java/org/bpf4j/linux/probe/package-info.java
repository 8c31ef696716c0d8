/**
 * Finding where to attach: tracepoint ids in tracefs ({@link org.bpf4j.linux.probe.Tracefs}),
 * symbols and their file offsets in executables and shared libraries
 * ({@link org.bpf4j.linux.probe.NativeElf}, {@link org.bpf4j.linux.probe.UprobeTarget}), and
 * USDT probes from {@code .note.stapsdt} notes with their argument specs
 * ({@link org.bpf4j.linux.probe.UsdtProbe}, {@link org.bpf4j.linux.probe.UsdtArgument}). No
 * system calls except tracefs' mount; the ELF parsing is pure.
 */
package org.bpf4j.linux.probe;
