package org.bpf4j.object;

import java.util.Set;

/** The kernel's rule for GPL-compatible licenses ({@code license_is_gpl_compatible}). */
public final class Licenses {
    private static final Set<String> GPL_COMPATIBLE = Set.of("GPL", "GPL v2", "GPL and additional rights",
            "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL");

    private Licenses() {
    }

    /** Whether a license string lets a program use GPL-only helpers. */
    public static boolean gplCompatible(String license) {
        return GPL_COMPATIBLE.contains(license);
    }
}
