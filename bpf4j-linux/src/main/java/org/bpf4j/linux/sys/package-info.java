/**
 * The system-call layer of the kernel backend: {@link org.bpf4j.linux.sys.Native} (the only
 * downcalls: {@code syscall(2)} for bpf() and perf_event_open, and libc's close, ioctl, mmap,
 * munmap, setsockopt, epoll), the {@code union bpf_attr} layouts ({@link org.bpf4j.linux.sys.Layouts}),
 * the typed bpf() seam ({@link org.bpf4j.linux.sys.Bpf}, implemented by
 * {@link org.bpf4j.linux.sys.NativeBpf}) and owned descriptors ({@link org.bpf4j.linux.sys.Fd}).
 */
package org.bpf4j.linux.sys;
