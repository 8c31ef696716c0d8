package org.bpf4j.cli;

import java.util.function.Supplier;
import org.bpf4j.linux.KernelException;

/** Runs a kernel call for a command, turning a refusal into the command's one-line failure. */
final class KernelCalls {
    private KernelCalls() {
    }

    /** The call's result; a {@link KernelException} becomes {@code COMMAND: MESSAGE} with exit status 1. */
    static <T> T call(String command, Supplier<T> call) {
        try {
            return call.get();
        } catch (KernelException e) {
            throw new CommandFailure(Main.EXIT_FAILED, command + ": " + e.getMessage(), e);
        }
    }
}
