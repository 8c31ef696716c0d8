package org.bpf4j.linux.link;

import java.util.Objects;
import java.util.Optional;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;

/**
 * A kernel {@code bpf_link}: the descriptor from {@code BPF_LINK_CREATE} or
 * {@code BPF_RAW_TRACEPOINT_OPEN}, and for links on perf events (tracepoints, uprobes, perf
 * sampling) the perf event it holds. Closing the link descriptor detaches the program; the perf
 * event is closed after it. Thread-safe.
 */
public final class BpfLink implements Link {
    private final Bpf bpf;
    private final Fd link;
    private final Optional<Fd> perfEvent;
    private final String description;

    BpfLink(Bpf bpf, Fd link, Optional<Fd> perfEvent, String description) {
        this.bpf = Objects.requireNonNull(bpf, "bpf");
        this.link = Objects.requireNonNull(link, "link");
        this.perfEvent = Objects.requireNonNull(perfEvent, "perfEvent");
        this.description = Objects.requireNonNull(description, "description");
    }

    /** The link's descriptor, valid until {@link #close()}. */
    public int fd() {
        return link.value();
    }

    /** The kernel's id of the link ({@code bpf_link_info.id}). */
    public int id() {
        return info().id();
    }

    /** What the kernel says about the link. */
    public LinkInfo info() {
        return LinkInfo.of(bpf, link.value());
    }

    /**
     * For an iterator link ({@code iter/...}): opens a new iterator ({@code BPF_ITER_CREATE}),
     * reads it to the end, which runs the program over every object, and returns what the
     * program wrote with {@code bpf_seq_write}/{@code bpf_seq_printf}.
     *
     * @throws org.bpf4j.linux.KernelException if this is not an iterator link or reading fails
     */
    public byte[] readIterator() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        readIterator(out::writeBytes);
        return out.toByteArray();
    }

    /**
     * For an iterator link: opens a new iterator and reads it to the end, handing each chunk the
     * program wrote to {@code chunks} as it is read (the program runs as the reading goes on).
     *
     * @throws org.bpf4j.linux.KernelException if this is not an iterator link or reading fails
     */
    public void readIterator(java.util.function.Consumer<byte[]> chunks) {
        try (Fd it = new Fd(bpf.iterCreate(link.value()), bpf, "iterator of " + description)) {
            while (true) {
                byte[] chunk = org.bpf4j.linux.sys.Posix.read(it.value(), 8192);
                if (chunk.length == 0) {
                    return;
                }
                chunks.accept(chunk);
            }
        }
    }

    /** Pins the link at a path in a bpf file system, so that it outlives its descriptor. */
    public void pin(String path) {
        bpf.objPin(link.value(), path);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean isClosed() {
        return link.isClosed();
    }

    @Override
    public void close() {
        try {
            link.close();
        } finally {
            perfEvent.ifPresent(Fd::close);
        }
    }

    @Override
    public String toString() {
        return "link " + description + (isClosed() ? " (closed)" : "");
    }
}
