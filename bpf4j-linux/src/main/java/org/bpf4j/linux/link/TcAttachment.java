package org.bpf4j.linux.link;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A tc program attached the classic way: a direct-action {@code bpf} filter on a {@code clsact}
 * qdisc's ingress or egress hook, made over rtnetlink (the fallback for kernels without tcx).
 * Closing removes the filter, and the qdisc too if this attachment created it. Holds a netlink
 * socket of the network namespace it was made in, so it can be closed from any thread.
 * Thread-safe.
 */
public final class TcAttachment implements Link {
    private final TcNetlink netlink;
    private final int ifindex;
    private final boolean ingress;
    private final int handle;
    private final int priority;
    private final boolean createdQdisc;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    TcAttachment(TcNetlink netlink, int ifindex, boolean ingress, int handle, int priority, boolean createdQdisc,
            String description) {
        this.netlink = netlink;
        this.ifindex = ifindex;
        this.ingress = ingress;
        this.handle = handle;
        this.priority = priority;
        this.createdQdisc = createdQdisc;
        this.description = description;
    }

    /** Whether attaching created the clsact qdisc (then closing removes it). */
    public boolean createdQdisc() {
        return createdQdisc;
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public boolean isClosed() {
        return closed.get();
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        synchronized (netlink) {
            try {
                netlink.deleteFilter(ifindex, ingress, handle, priority);
                if (createdQdisc) {
                    netlink.deleteClsact(ifindex);
                }
            } finally {
                netlink.close();
            }
        }
    }

    @Override
    public String toString() {
        return "tc filter " + description + (isClosed() ? " (closed)" : "");
    }
}
