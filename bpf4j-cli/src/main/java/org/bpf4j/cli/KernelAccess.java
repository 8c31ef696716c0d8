package org.bpf4j.cli;

import org.bpf4j.linux.Kernel;

/** The kernel for the commands that need it, or a one-line failure saying why it cannot be used. */
final class KernelAccess {
    private KernelAccess() {
    }

    /** The running kernel's backend. */
    static Kernel kernel() {
        Kernel.Availability a = Kernel.probe();
        if (!a.available()) {
            throw new CommandFailure(Main.EXIT_FAILED, "cannot use the kernel: " + a.reason(), null);
        }
        return Kernel.system();
    }
}
