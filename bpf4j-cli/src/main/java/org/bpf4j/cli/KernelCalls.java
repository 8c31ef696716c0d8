package org.bpf4j.cli;

import java.util.List;
import java.util.function.Supplier;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.sys.Bpf;

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

    /**
     * The objects a {@code COMMAND [id N]} listing shows: every object of the kind, or the one that
     * {@code id N} names (a missing id is the command's one-line failure).
     */
    static <T> List<T> shown(String command, List<String> which, KernelIds.Kind kind, KernelIds.Reader<T> reader) {
        Words w = new Words(command, which);
        Integer id = w.atEnd() ? null : w.parseId(w.object()[1]);
        w.end();
        Bpf bpf = KernelAccess.kernel().bpf();
        return id == null ? KernelIds.all(bpf, kind, reader)
                : List.of(call(command, () -> KernelIds.one(bpf, kind, id, reader)));
    }
}
