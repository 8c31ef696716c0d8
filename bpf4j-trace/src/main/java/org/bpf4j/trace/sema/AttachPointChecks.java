package org.bpf4j.trace.sema;

import java.util.List;
import java.util.Locale;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.ast.AttachPoint;

/**
 * The checks of a probe's attach points that the analyser makes itself, in current bpftrace's words:
 * the argument counts of {@code BEGIN}/{@code END}, {@code self} and {@code interval}/{@code profile},
 * the rates and units of the latter, and unknown probe types.
 */
final class AttachPointChecks {
    private AttachPointChecks() {
    }

    /** Checks one attach point, reporting its errors through {@code a}. */
    static void check(SemanticAnalyser a, AttachPoint ap) {
        String unit = ap.parts().isEmpty() ? "" : ap.parts().getFirst();
        switch (ap.provider()) {
            case "BEGIN", "END" -> {
                if (!ap.parts().isEmpty()) {
                    a.error(ap.span(), ap.provider().toLowerCase(Locale.ROOT) + " probe type requires 0 "
                            + "arguments, found " + ap.parts().size());
                }
            }
            case "interval", "profile" -> {
                // as current bpftrace: interval:RATE (nanoseconds, or with a unit: 1s, 100ms) or
                // interval:UNIT:COUNT; the short forms with a unit were made UNIT:COUNT by the parser
                if (ap.parts().size() == 1) {
                    try {
                        long ns = IntText.parseUnsigned(unit);
                        a.error(ap.span(), "Invalid rate of " + ap.provider() + " probe. Minimum is 1000 or 1us. Found: "
                                + Long.toUnsignedString(ns) + " nanoseconds");
                    } catch (IntText.Invalid e) {
                        a.error(ap.span(), "Invalid rate of " + ap.provider() + " probe: " + e.getMessage());
                    }
                } else if (ap.parts().size() != 2) {
                    a.error(ap.span(), ap.provider() + " probe type requires 1 or 2 arguments, found "
                            + ap.parts().size());
                } else if (!List.of("ms", "s", "us", "hz").contains(unit)) {
                    a.error(ap.span(), unit + " is not an accepted unit of time");
                } else {
                    try {
                        IntText.parseUnsigned(ap.parts().get(1));
                    } catch (IntText.Invalid e) {
                        a.error(ap.span(), "Invalid rate of " + ap.provider() + " probe: " + e.getMessage());
                    }
                }
            }
            case "self" -> {
                // current bpftrace's self:signal:SIGUSR1, run when the process gets the signal
                if (ap.parts().size() != 2) {
                    a.error(ap.span(), "self probe type requires 2 arguments");
                } else if (!unit.equals("signal")) {
                    a.error(ap.span(), unit + " is not a supported trigger");
                } else if (!ap.parts().get(1).equals("SIGUSR1")) {
                    a.error(ap.span(), ap.parts().get(1) + " is not a supported signal");
                }
            }
            case "tracepoint", "kprobe", "kretprobe", "uprobe", "uretprobe", "usdt", "software", "hardware",
                    "kfunc", "kretfunc", "fentry", "fexit", "rawtracepoint", "watchpoint", "iter",
                    "java", "bench", "test" -> { }
            default -> a.error(ap.span(), "Invalid probe type: " + ap.provider());
        }
    }
}
