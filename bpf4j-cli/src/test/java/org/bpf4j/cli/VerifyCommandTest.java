package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpf4j verify}: one line per program, exit 0/1/2. */
class VerifyCommandTest {
    @TempDir
    Path dir;

    private Path write(String name, String text) throws IOException {
        Path p = dir.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    /** A global function is verified from its BTF prototype, as Linux does: its pointer argument may be NULL. */
    @Test
    void globalFunctionFromBtf() {
        Path obj = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus", "ebpf-samples", "build",
                "bpf2bpf.o");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(obj), "no shared corpus at " + obj.toAbsolutePath());
        Cli r = Cli.run("verify", "--type", "socket_filter", obj.toString());
        assertEquals(Main.EXIT_FAILED, r.status(), r.out() + r.err());
        assertTrue(r.out().contains("func: rejected at insn 49: R1 invalid mem access 'mem_or_null'"), r.out());
    }

    @Test
    void acceptedProgram() throws IOException {
        Path p = write("ok.s", "mov %r0, 0\nexit\n");
        String out = Cli.run("verify", p.toString()).ok();
        assertEquals("ok.s: accepted (2 insns processed)", out.strip());
    }

    @Test
    void rejectedProgram() throws IOException {
        Path p = write("bad.s", "exit\n");
        Cli r = Cli.run("verify", p.toString());
        assertEquals(Main.EXIT_FAILED, r.status(), r.err());
        assertEquals("bad.s: rejected at insn 0: R0 !read_ok", r.out().strip());
    }

    @Test
    void typeSelectsContext() throws IOException {
        Path p = write("xdp.s", "ldxw %r2, [%r1+0]\nldxw %r3, [%r1+4]\nmov %r0, 2\nexit\n");
        Cli.run("verify", "--type", "xdp", p.toString()).ok();
        Cli r = Cli.run("verify", "--type", "kprobe", p.toString());
        assertEquals(Main.EXIT_OK, r.status(), r.out());
    }

    @Test
    void jsonOutput() throws IOException {
        Path p = write("bad.s", "mov %r0, %r3\nexit\n");
        Cli r = Cli.run("verify", "--json", p.toString());
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.out().contains("\"verdict\":\"rejected\"") && r.out().contains("\"insn\":0")
                && r.out().contains("R3 !read_ok"), r.out());
    }

    @Test
    void logLevelTwoShowsState() throws IOException {
        Path p = write("ok.s", "mov %r0, 0\nexit\n");
        String out = Cli.run("verify", "--log-level", "2", p.toString()).ok();
        assertTrue(out.contains("R1=ctx(off=0)") && out.contains("processed 2 insns"), out);
    }

    @Test
    void badInputs() throws IOException {
        Path p = write("ok.s", "mov %r0, 0\nexit\n");
        assertTrue(Cli.run("verify", "--type", "nosuch", p.toString()).error(Main.EXIT_BAD_INPUT)
                .contains("unknown program type"));
        assertTrue(Cli.run("verify", "--log-level", "7", p.toString()).error(Main.EXIT_BAD_INPUT)
                .contains("--log-level"));
        Path broken = write("broken.s", "mov %r0,\n");
        Cli.run("verify", broken.toString()).error(Main.EXIT_BAD_INPUT);
        Cli.run("verify", dir.resolve("missing.o").toString()).error(Main.EXIT_BAD_INPUT);
    }
}
