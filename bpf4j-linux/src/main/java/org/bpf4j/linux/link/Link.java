package org.bpf4j.linux.link;

/**
 * An attached program. Closing it detaches the program (unless something else, such as a pin,
 * holds the kernel link). The kinds are closed: a kernel {@link BpfLink}, a perf event the
 * program was set on with ioctl ({@link PerfEventAttachment}, the fallback for kernels without
 * perf links), a socket filter ({@link SocketAttachment}), a classic tc filter on a clsact qdisc
 * ({@link TcAttachment}), a struct_ops map registered by its update ({@link StructOpsRegistration}) and a
 * group of links made together
 * ({@link LinkGroup}, such as one per CPU). Closing is idempotent; each kind says whether it is
 * thread-safe.
 */
public sealed interface Link extends AutoCloseable permits BpfLink, PerfEventAttachment, SocketAttachment,
        TcAttachment, StructOpsRegistration, LinkGroup {

    /** What the link attaches, to what ({@code on_openat -> tracepoint syscalls/sys_enter_openat}). */
    String description();

    /** Whether {@link #close()} has run. */
    boolean isClosed();

    /** Detaches the program. */
    @Override
    void close();

    /** The kernel link ids behind this link (empty for attachments that are not bpf links). */
    static java.util.List<Integer> ids(Link link) {
        return switch (link) {
            case BpfLink b -> java.util.List.of(b.id());
            case PerfEventAttachment p -> java.util.List.of();
            case SocketAttachment s -> java.util.List.of();
            case TcAttachment t -> java.util.List.of();
            case StructOpsRegistration r -> java.util.List.of();
            case LinkGroup g -> g.links().stream().flatMap(l -> ids(l).stream()).toList();
        };
    }
}
