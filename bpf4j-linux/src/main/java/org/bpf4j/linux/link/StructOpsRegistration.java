package org.bpf4j.linux.link;

import java.util.concurrent.atomic.AtomicBoolean;
import org.bpf4j.linux.KernelStructOps;

/**
 * A struct_ops map registered by updating its element (a map declared in {@code .struct_ops},
 * without {@code BPF_F_LINK}). Closing deletes the element, which unregisters the ops; the map
 * itself stays owned by its {@link KernelStructOps}. Thread-safe.
 */
public final class StructOpsRegistration implements Link {
    private final KernelStructOps ops;
    private final String description;
    private final AtomicBoolean closed = new AtomicBoolean();

    StructOpsRegistration(KernelStructOps ops, String description) {
        this.ops = ops;
        this.description = description;
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
        if (closed.compareAndSet(false, true)) {
            ops.map().delete(new byte[4]);
        }
    }

    @Override
    public String toString() {
        return "struct_ops " + description + (isClosed() ? " (closed)" : "");
    }
}
