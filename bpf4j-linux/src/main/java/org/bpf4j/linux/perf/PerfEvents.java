package org.bpf4j.linux.perf;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.linux.sys.Native;

/**
 * Opens perf events with {@code perf_event_open(2)} and drives them with ioctl. Stateless and
 * thread-safe.
 */
public final class PerfEvents {
    private PerfEvents() {
    }

    /**
     * Opens an event.
     *
     * @param kernel the backend (its layer closes the descriptor)
     * @param attr what to open
     * @param uprobePath for a uprobe PMU event, the file whose path goes into {@code config1}; else null
     * @param pid the process to watch, or -1 for all
     * @param cpu the CPU to watch, or -1 for all
     * @param what what the event is for, in messages ({@code tracepoint syscalls/sys_enter_openat})
     * @return the event's descriptor, which the caller owns
     * @throws KernelException if the kernel refuses
     */
    public static Fd open(Kernel kernel, PerfEventAttr attr, String uprobePath, int pid, int cpu, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment a = arena.allocate(PerfLayouts.ATTR.size(), 8);
            var s = PerfLayouts.ATTR;
            s.set(a, "type", attr.type());
            s.set(a, "size", s.size());
            s.set(a, "config", attr.config());
            s.set(a, "sample_period", attr.samplePeriod());
            s.set(a, "sample_type", attr.sampleType());
            long flags = (attr.disabled() ? PerfLayouts.FLAG_DISABLED : 0) | (attr.frequency() ? PerfLayouts.FLAG_FREQ : 0)
                    | (attr.inherit() ? PerfLayouts.FLAG_INHERIT : 0);
            s.set(a, "flags", flags);
            s.set(a, "wakeup_events", attr.wakeupEvents());
            s.set(a, "bp_type", attr.bpType());
            if (uprobePath != null) {
                s.set(a, "config1", arena.allocateFrom(uprobePath, StandardCharsets.UTF_8));
            } else {
                s.set(a, "config1", attr.config1());
            }
            s.set(a, "config2", attr.config2());
            MemorySegment capture = Native.captureSegment(arena);
            long r = Native.perfEventOpen(capture, a, pid, cpu, -1, PerfLayouts.FLAG_FD_CLOEXEC);
            if (r < 0) {
                throw new KernelException("perf_event_open", Native.errno(capture), "opening " + what
                        + (cpu >= 0 ? " on CPU " + cpu : "") + (pid >= 0 ? " for pid " + pid : ""));
            }
            return new Fd((int) r, kernel.bpf(), "perf event (" + what + (cpu >= 0 ? ", CPU " + cpu : "") + ")");
        }
    }

    /**
     * {@code ioctl(fd, request, arg)}.
     *
     * @throws KernelException if it fails
     */
    public static void ioctl(Fd fd, long request, long arg, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Native.captureSegment(arena);
            if (Native.ioctl(capture, fd.value(), request, arg) < 0) {
                throw new KernelException("ioctl", Native.errno(capture), what + " on " + fd.what());
            }
        }
    }
}
