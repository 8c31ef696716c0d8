package org.bpf4j.linux.testing;

import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.spec.ProgramType;

/**
 * What the running kernel refuses that the kernel the recorded verdicts and results came from
 * accepted, each probed once by loading a minimal program. A test that compares with recorded
 * kernel results skips (and counts, visibly) the differences these explain, and only those.
 */
public final class KernelQuirks {
    /** The kernel's words for a helper a program type may not call. */
    private static final String ADJUST_META_REFUSED = "program of this type cannot use helper bpf_xdp_adjust_meta#54";

    private static Boolean adjustMetaRefused;

    private KernelQuirks() {}

    /**
     * Why the running kernel's refusal {@code message} is a property of this kernel rather than a
     * difference in bpf4j, or null. Today: some kernels (6.18 builds seen here) refuse
     * {@code bpf_xdp_adjust_meta} in XDP programs, which the recorded kernel allowed.
     */
    public static synchronized String explains(String message) {
        if (message == null || !message.contains(ADJUST_META_REFUSED)) {
            return null;
        }
        if (adjustMetaRefused == null) {
            adjustMetaRefused = refusesAdjustMeta();
        }
        return adjustMetaRefused ? "this kernel refuses bpf_xdp_adjust_meta in every XDP program (probed with a "
                + "minimal one); the recorded result comes from a kernel that allows it" : null;
    }

    /** Loads {@code r0 = bpf_xdp_adjust_meta(ctx, 0) == 0 ? XDP_PASS : XDP_DROP}. */
    private static boolean refusesAdjustMeta() {
        Code code = Assembler.assemble("""
                mov %r2, 0
                call 54
                mov %r0, 2
                exit
                """, "adjust_meta.s");
        Bpf.ProgLoad load = new Bpf.ProgLoad(ProgramType.XDP.id(), code.toBytes(), "GPL", 0, 0, 0, 0, "t_meta", 0, 0, 0,
                new byte[0], new byte[0], 0, 0, new int[0]);
        try (KernelProgram p = Kernel.system().loadProgram("t_meta", ProgramType.XDP, load)) {
            return false;
        } catch (Bpf4jException e) {
            return e.getMessage() != null && e.getMessage().contains("cannot use helper");
        }
    }
}
