package org.bpf4j.trace.sema;

import java.util.List;

/**
 * x86_64 registers by bpftrace's names, in the order of {@code struct pt_regs}; current bpftrace's
 * {@code pc} (for {@code ip}) and {@code orig_rax} (0.17's {@code orig_ax}) too. Stateless.
 */
public final class Registers {
    private Registers() {}

    private static final List<String> NAMES = List.of("r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9",
            "r8", "ax", "cx", "dx", "si", "di", "orig_ax", "ip", "cs", "flags", "sp", "ss");

    /** The byte offset of a register in {@code struct pt_regs}, or -1 for an unknown name. */
    public static int offset(String name) {
        int i = NAMES.indexOf(switch (name) {
            case "pc" -> "ip";
            case "orig_rax" -> "orig_ax";
            default -> name;
        });
        return i < 0 ? -1 : 8 * i;
    }
}
