package org.bpf4j.trace.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.bpf4j.linux.VerifierException;
import org.junit.jupiter.api.Test;

/** The kernel's refusals of a program in current bpftrace's words (its BpfBytecode::load_progs). */
class LoadFailureTest {
    private static VerifierException refused(int errno, String log) {
        return new VerifierException("BPF_PROG_LOAD", errno, "begin", log);
    }

    @Test
    void withoutVerboseTheMessagePointsToDashV() {
        LoadFailure f = LoadFailure.of("begin_1", refused(13, "0: (b7) r0 = 0\nR0 !read_ok\nprocessed 1 insns\n"),
                false, 0);
        assertEquals("Error loading BPF program for begin_1. Error code: -13 (Permission denied). Use -v for full "
                + "kernel error log.", f.getMessage());
    }

    @Test
    void withVerboseTheLogFollowsAndACutLogIsSaid() {
        LoadFailure f = LoadFailure.of("begin_1", refused(28, "0: (b7) r0 = 0\n"), true, 100);
        assertEquals("Error loading BPF program for begin_1. Error code: -28 (No space left on device).\n"
                + "Kernel error log: \n0: (b7) r0 = 0\n\n"
                + "WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try "
                + "increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of 100 bytes. Or, "
                + "add the configuration `config = { log_size = N; }` to the script.", f.getMessage());
    }

    @Test
    void aRefusedHelperIsNamedWithOrWithoutVerbose() {
        String log = "36: (b7) r3 = 64                      ; R3_w=64\n37: (85) call bpf_d_path#147\n"
                + "helper call is not allowed in probe\nprocessed 38 insns\n";
        for (boolean verbose : new boolean[] {false, true}) {
            assertEquals("helper bpf_d_path not allowed in probe",
                    LoadFailure.of("kprobe_f_1", refused(22, log), verbose, 0).getMessage());
        }
        assertEquals("helper bpf_override_return not allowed in probe", LoadFailure.of("t", refused(22,
                "5: (85) call bpf_override_return#58\nprogram of this type cannot use helper bpf_override_return#58\n"),
                false, 0).getMessage());
        assertEquals("helper bpf_map_lookup_elem: result needs to be null-checked before accessing fields",
                LoadFailure.of("t", refused(13, "4: (85) call bpf_map_lookup_elem#1\n5: (07) r0 += 8\n"
                        + "R0 pointer arithmetic on ptr_or_null_ prohibited, null-check it first\n"), false, 0)
                        .getMessage());
    }

    @Test
    void aStackTooLargeGetsTheOnStackLimitAdvice() {
        assertEquals("Stack size is too large. Trying moving some scratch variables into maps or try setting a lower "
                + "on_stack_limit (e.g. `config = { on_stack_limit=16 }`)", LoadFailure.of("t", refused(13,
                "combined stack size of 2 calls is 544. Too large\nprocessed 9 insns\n"), false, 0).getMessage());
    }

    @Test
    void aLogBufferTooSmallForAnyLineIsStillACutLog() {
        // BPFTRACE_LOG_SIZE=2 (bpftrace's runtime test 'log size too small'): ENOSPC and an empty log
        LoadFailure f = LoadFailure.of("begin_1", refused(28, ""), true, 2);
        assertEquals("Error loading BPF program for begin_1. Error code: -28 (No space left on device).\n"
                + "Kernel error log: \n\n"
                + "WARNING: Kernel log seems to be trimmed. This may be due to buffer not being big enough, try "
                + "increasing the BPFTRACE_LOG_SIZE environment variable beyond the current value of 2 bytes. Or, "
                + "add the configuration `config = { log_size = N; }` to the script.", f.getMessage());
    }

    @Test
    void aRefusalWithoutALogIsCurrentBpftracesUnknownFailure() {
        // this kernel's lockdown refuses fentry programs with EPERM before the verifier writes a line
        for (boolean verbose : new boolean[] {false, true}) {
            assertEquals("Unknown BPF object load failure. Try using the \"-d libbpf\" option to see the full loading "
                    + "log.", LoadFailure.of("fentry_vfs_read_1", refused(1, ""), verbose, 0).getMessage());
        }
    }
}
