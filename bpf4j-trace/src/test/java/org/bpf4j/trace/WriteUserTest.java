package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.junit.jupiter.api.Test;

/**
 * Current bpftrace's {@code write_user(dst, src, len)}: {@code bpf_probe_write_user}, whose result
 * is true when it wrote. Neither backend here runs it (the VM's memory of a traced process is
 * read-only; this kernel's lockdown refuses the helper), so the code is checked.
 */
class WriteUserTest {
    private static CompiledScript compile(String text) {
        Source source = new Source("write_user.bt", text);
        return TraceCompiler.compile(source, List.of(), new TraceCompiler.Options(false, ProbeSource.none(),
                AttachPoints.Target.KERNEL, true, false)).orThrow(source);
    }

    @Test
    void aStringSourceIsWrittenFromTheStackWithItsLengthCapped() {
        List<Instruction> code = compile("BEGIN { $n = 9; @ok = write_user(0x1000, \"abc\", $n); }").programs().getFirst()
                .code().instructions();
        int id = HelperCatalog.linux().byName("probe_write_user").orElseThrow().id();
        assertEquals(1, code.stream().filter(i -> i instanceof Instruction.Call c && c.imm() == id).count(), code.toString());
        // the length is capped at the 4 bytes of "abc" with its NUL: the verifier then knows the bound
        assertTrue(code.stream().anyMatch(i -> i instanceof Instruction.Jump j && j.op() == JumpOp.JLE
                && j.src() instanceof org.bpf4j.isa.Operand.Imm imm && imm.value() == 4), code.toString());
    }

    @Test
    void aConstantLengthLongerThanTheStringIsRefused() {
        Source source = new Source("write_user.bt", "BEGIN { write_user(0x1000, \"abc\", 9); }");
        TraceCompiler.Result r = TraceCompiler.compile(source, List.of(), new TraceCompiler.Options(false,
                ProbeSource.none(), AttachPoints.Target.KERNEL, true, false));
        assertTrue(r.diagnostics().render(source).startsWith("write_user.bt:1:9-37: ERROR: write_user(): the length 9 "
                + "is more than the 4 bytes of the string\n"), r.diagnostics().render(source));
    }

    @Test
    void itIsUnsafe() {
        Source source = new Source("write_user.bt", "BEGIN { write_user(0x1000, \"abc\", 3); }");
        TraceCompiler.Result r = TraceCompiler.compile(source, List.of());
        assertEquals("write_user.bt:1:9-37: ERROR: write_user() is unsafe. To use you need the --unsafe flag\n"
                + "BEGIN { write_user(0x1000, \"abc\", 3); }\n"
                + "        ~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n", r.diagnostics().render(source));
    }
}
