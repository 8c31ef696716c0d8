package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.bpf4j.trace.sema.KernelTypes;
import org.bpf4j.trace.sema.TypedProgram;
import org.junit.jupiter.api.Test;

/**
 * {@code sizeof(struct X)} and {@code offsetof(struct X, f)} from the kernel's BTF, checked against
 * bpftool's independent reading of the same BTF ({@code bpftool btf dump ... format raw}). Needs no
 * root; skipped with the reason without kernel BTF or bpftool.
 */
class KernelTypesTest {
    @Test
    void sizeofAndOffsetofAgreeWithBpftool() throws Exception {
        assumeTrue(Files.isReadable(KernelTypes.VMLINUX), "skipped: no readable " + KernelTypes.VMLINUX);
        String raw = bpftoolRaw();
        Matcher s = Pattern.compile("\\[\\d+] STRUCT 'task_struct' size=(\\d+) vlen=\\d+\\n((?:\\t.*\\n)*)").matcher(raw);
        assumeTrue(s.find(), "skipped: bpftool lists no struct task_struct");
        long size = Long.parseLong(s.group(1));
        long pid = bitsOffset(s.group(2), "pid") / 8;
        long tgid = bitsOffset(s.group(2), "tgid") / 8;

        Source source = new Source("kt.bt", "BEGIN { printf(\"%d %d %d\\n\", sizeof(struct task_struct), "
                + "offsetof(struct task_struct, pid), offsetof(struct task_struct, tgid)); }\n");
        TraceCompiler.Result r = TraceCompiler.compile(source, List.of(), new TraceCompiler.Options(false,
                ProbeSource.none(), AttachPoints.Target.KERNEL, false, true));
        assertFalse(r.diagnostics().hasErrors(), () -> r.diagnostics().render(source));
        TypedProgram typed = r.typed().orElseThrow();
        Expr.Call printf = (Expr.Call) ((Stmt.ExprStmt) typed.program().probes().getFirst().body().getFirst()).expr();
        assertEquals(size, typed.constant(printf.args().get(1)));
        assertEquals(pid, typed.constant(printf.args().get(2)));
        assertEquals(tgid, typed.constant(printf.args().get(3)));
    }

    private static long bitsOffset(String members, String name) {
        Matcher m = Pattern.compile("\\t'" + name + "' type_id=\\d+ bits_offset=(\\d+)").matcher(members);
        assumeTrue(m.find(), "skipped: bpftool lists no member " + name);
        return Long.parseLong(m.group(1));
    }

    private static String bpftoolRaw() throws IOException, InterruptedException {
        Process p;
        try {
            p = new ProcessBuilder("bpftool", "btf", "dump", "file", KernelTypes.VMLINUX.toString(), "format", "raw")
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "skipped: bpftool is not installed (" + e.getMessage() + ")");
            throw e;
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assumeTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0, "skipped: bpftool btf dump failed");
        return out;
    }
}
