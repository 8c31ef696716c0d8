package org.bpf4j.linux.link;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Links made together and closed together, in reverse order: a perf event link per CPU, a
 * uprobe per USDT call site. Closing closes every member even if one fails (the first failure
 * is thrown after, the others suppressed). Thread-safe.
 */
public final class LinkGroup implements Link {
    private final List<Link> links;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    LinkGroup(List<Link> links, String description) {
        this.links = List.copyOf(links);
        this.description = description;
    }

    /** The members, in the order they were made. */
    public List<Link> links() {
        return links;
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
        closeAll(links);
    }

    static void closeAll(List<? extends Link> links) {
        RuntimeException first = null;
        for (int i = links.size() - 1; i >= 0; i--) {
            try {
                links.get(i).close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "link group " + description + " (" + links.size() + " links" + (isClosed() ? ", closed)" : ")");
    }
}
