package org.bpf4j.spec;

/** The kernel's flags on a kfunc ({@code KF_*} in Linux's {@code include/linux/btf.h}). */
public enum KfuncFlag {
    /** {@code KF_ACQUIRE}: returns a reference the program must release. */
    ACQUIRE,
    /** {@code KF_RELEASE}: releases the reference its argument holds (implies trusted arguments). */
    RELEASE,
    /** {@code KF_RET_NULL}: may return NULL. */
    RET_NULL,
    /** {@code KF_TRUSTED_ARGS}: pointer arguments must be referenced or trusted. */
    TRUSTED_ARGS,
    /** {@code KF_RCU}: pointer arguments may also be RCU-protected pointers. */
    RCU,
    /** {@code KF_RCU_PROTECTED}: may only be called in an RCU read-side critical section. */
    RCU_PROTECTED,
    /** {@code KF_SLEEPABLE}: only for sleepable programs. */
    SLEEPABLE,
    /** {@code KF_DESTRUCTIVE}: changes the state of the machine (needs CAP_SYS_BOOT). */
    DESTRUCTIVE;

    /** The flag spelled as in {@code kfuncs.tsv} ({@code ret_null}). */
    static KfuncFlag byTsvName(String name) {
        return valueOf(name.toUpperCase(java.util.Locale.ROOT));
    }
}
