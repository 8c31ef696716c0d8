package org.bpf4j.spec;

import java.util.Locale;
import java.util.Optional;

/** The machine architectures whose register layouts ({@code pt_regs}) the catalog knows. */
public enum Arch {
    /** x86-64: {@code struct pt_regs} of {@code arch/x86/include/uapi/asm/ptrace.h}. */
    X86_64("x86_64"),
    /** AArch64: {@code struct user_pt_regs} of {@code arch/arm64/include/uapi/asm/ptrace.h}. */
    AARCH64("aarch64");

    private final String token;

    Arch(String token) {
        this.token = token;
    }

    /** The name used in the data files and by {@code uname -m}, such as {@code x86_64}. */
    public String token() {
        return token;
    }

    /** The architecture with this name ({@code x86_64}, {@code amd64}, {@code aarch64}, {@code arm64}). */
    public static Optional<Arch> byName(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "x86_64", "amd64" -> Optional.of(X86_64);
            case "aarch64", "arm64" -> Optional.of(AARCH64);
            default -> Optional.empty();
        };
    }

    /** The architecture of this JVM's machine, {@link #X86_64} when it is neither of the two. */
    public static Arch host() {
        return byName(System.getProperty("os.arch", "")).orElse(X86_64);
    }
}
