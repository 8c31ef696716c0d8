package org.bpf4j.linux.link;

import java.util.Objects;
import org.bpf4j.linux.perf.PerfEvents;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.linux.sys.Fd;

/**
 * A program set on a perf event with {@code PERF_EVENT_IOC_SET_BPF} (the way kernels before
 * perf links attached to tracepoints, kprobes and uprobes). Closing disables the event and closes
 * it, which detaches the program. Thread-safe.
 */
public final class PerfEventAttachment implements Link {
    private final Fd event;
    private final String description;

    PerfEventAttachment(Fd event, String description) {
        this.event = Objects.requireNonNull(event, "event");
        this.description = Objects.requireNonNull(description, "description");
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean isClosed() {
        return event.isClosed();
    }

    @Override
    public void close() {
        if (event.isClosed()) {
            return;
        }
        try {
            PerfEvents.ioctl(event, PerfLayouts.IOC_DISABLE, 0, "disabling");
        } finally {
            event.close();
        }
    }

    @Override
    public String toString() {
        return "perf event attachment " + description + (isClosed() ? " (closed)" : "");
    }
}
