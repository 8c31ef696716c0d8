package org.bpf4j.trace.probe;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bpf4j.linux.perf.PerfLayouts;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.IntText;
import org.bpf4j.trace.ast.AttachPoint;

/**
 * Current bpftrace's watchpoints, {@code watchpoint:ADDRESS:LENGTH:MODE}: read and checked with
 * its messages (its attach point parser's, then its checker's), and named as it names them
 * ({@code watchpoint:[TARGET:]ADDRESS:LENGTH:MODE}, the address in decimal, the mode's letters
 * sorted, the target {@code /proc/PID/exe} under {@code -p} or the command's program under
 * {@code -c}). The forms current bpftrace removed in 0.25 ({@code watchpoint:FUNCTION+argN},
 * {@code asyncwatchpoint}, {@code aw}) are refused with its messages and a hint. Stateless.
 */
final class Watchpoints {
    private Watchpoints() {}

    /**
     * The modes x86-64's debug registers take (Intel SDM vol. 3, 17.2.4: no read-only
     * breakpoint), in the order current bpftrace lists them in its hint (its {@code unordered_set}
     * as libstdc++ iterates it).
     */
    static final List<String> MODES = List.of("x", "w", "rw");

    /** The hint after an error about a form current bpftrace removed. */
    private static final String REMOVED = "bpftrace 0.25 removed watchpoint:FUNCTION+argN and asyncwatchpoint probes; "
            + "a watchpoint takes an absolute address (watchpoint:ADDRESS:LENGTH:MODE)";

    /** Resolves {@code watchpoint:...}, or reports what is wrong with it at its place. */
    static void resolve(AttachPoint ap, AttachPoints.Target target, String process, Diagnostics diags,
            Map<AttachPoint, Resolved> out) {
        List<String> parts = ap.parts();
        if (parts.size() != 3) {
            diags.error(ap.span(), "watchpoint probe type requires 3 arguments, found " + parts.size());
            if (parts.size() == 2 && parts.getFirst().contains("+")) {
                diags.hint(REMOVED);
            }
            return;
        }
        long address;
        try {
            address = IntText.parseUnsigned(parts.getFirst());
        } catch (IntText.Invalid e) {
            diags.error(ap.span(), "Invalid function/address argument: " + e.getMessage());
            if (parts.getFirst().matches(".+\\+arg[0-9]+")) {
                diags.hint(REMOVED);
            }
            return;
        }
        long length;
        try {
            length = IntText.parseUnsigned(parts.get(1));
        } catch (IntText.Invalid e) {
            diags.error(ap.span(), "Invalid length argument: " + e.getMessage());
            return;
        }
        int before = diags.errorCount();
        if (address == 0) {
            diags.error(ap.span(), "watchpoint must be attached to a non-zero address");
        }
        if (length != 1 && length != 2 && length != 4 && length != 8) {
            diags.error(ap.span(), "watchpoint length must be one of (1,2,4,8)");
        }
        char[] letters = parts.get(2).toCharArray();
        Arrays.sort(letters);
        String mode = new String(letters);
        if (mode.isEmpty()) {
            diags.error(ap.span(), "watchpoint mode must be combination of (r,w,x)");
        }
        for (char c : letters) {
            if (c != 'r' && c != 'w' && c != 'x') {
                diags.error(ap.span(), "watchpoint mode must be combination of (r,w,x)");
            }
        }
        for (int i = 1; i < letters.length; i++) {
            if (letters[i - 1] == letters[i]) {
                diags.error(ap.span(), "watchpoint modes may not be duplicated");
            }
        }
        if (!MODES.contains(mode)) {
            diags.error(ap.span(), "invalid watchpoint mode: " + mode);
            diags.hint("supported modes: " + String.join(",", MODES));
        }
        if (diags.errorCount() != before) {
            return;
        }
        if (target == AttachPoints.Target.VM) {
            diags.error(ap.span(), "watchpoint probes need the kernel backend (the VM backend runs BEGIN, END, "
                    + "interval and java probes)");
            return;
        }
        List<String> named = new ArrayList<>();
        if (process != null && !process.isEmpty()) {
            named.add(process);
        }
        named.add(Long.toUnsignedString(address));
        named.add(Long.toString(length));
        named.add(mode);
        out.put(ap.withParts(named), new Resolved.Watchpoint(address, (int) length, accesses(mode)));
    }

    /** An attach point of a provider current bpftrace removed ({@code asyncwatchpoint}, {@code aw}). */
    static void removed(AttachPoint ap, Diagnostics diags) {
        diags.error(ap.span(), "Invalid probe type: " + ap.provider());
        diags.hint(REMOVED);
    }

    /** The {@code HW_BREAKPOINT_*} bits of a mode ({@code rw} is R|W). */
    private static int accesses(String mode) {
        int bits = 0;
        for (char c : mode.toCharArray()) {
            bits |= switch (c) {
                case 'r' -> PerfLayouts.BREAKPOINT_R;
                case 'w' -> PerfLayouts.BREAKPOINT_W;
                default -> PerfLayouts.BREAKPOINT_X;
            };
        }
        return bits;
    }
}
