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

    /**
     * Verified for the running kernel, an object's __kconfig externs take its values, as libbpf
     * gives them: kconfig_version reads past its context only before Linux 5.0 (bcc's biosnoop).
     * With another kernel's BTF (--btf) they stay 0, and the old kernel's branch is refused.
     */
    @Test
    void kconfigExternsTakeTheRunningKernelsValues() {
        Path obj = Path.of("../bpf4j-verifier-object/src/test/resources/objects/unseen.o");
        Path vmlinux = Path.of("/sys/kernel/btf/vmlinux");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isReadable(vmlinux), "no kernel BTF at " + vmlinux);
        assertEquals("kconfig_version: accepted (5 insns processed)",
                Cli.run("verify", "--prog", "kconfig_version", obj.toString()).ok().strip());
        Cli other = Cli.run("verify", "--prog", "kconfig_version", "--btf", vmlinux.toString(), obj.toString());
        assertEquals(Main.EXIT_FAILED, other.status(), other.out() + other.err());
        assertTrue(other.out().contains("invalid bpf_context access off=1000 size=4"), other.out());
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

    /** The shape of an accepted program's JSON: the facts the JIT gets, and the log at a level. */
    @Test
    void jsonOfAnAcceptedProgramHasItsMemoryFacts() throws IOException {
        Path p = write("ok.s", "stdw [%r10-8], 1\nmov %r1, %r10\nadd %r1, -8\nldxdw %r0, [%r1+0]\nexit\n");
        assertEquals("{\"program\":\"ok.s\",\"type\":\"socket_filter\",\"verdict\":\"accepted\",\"processed\":5,"
                + "\"peak_states\":0,\"memory_accesses\":[{\"insn\":0,\"regions\":[\"stack\"],\"in_bounds\":true,"
                + "\"offset\":[-8,-8]},{\"insn\":3,\"regions\":[\"stack\"],\"in_bounds\":true,\"offset\":[-8,-8]}]}\n",
                Cli.run("verify", "--json", p.toString()).ok());
        String withLog = Cli.run("verify", "--json", "--log-level", "1", p.toString()).ok();
        assertTrue(withLog.contains(",\"log\":\"processed 5 insns"), withLog);
    }

    /** With an object's BTF line info, the log names each source line before its instructions, as Linux. */
    @Test
    void logHasTheSourceLines() {
        Path obj = Path.of("../examples/xdp_firewall.o");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(obj), "SKIPPED: the XDP firewall example is absent");
        String log = Cli.run("verify", "--log-level", "2", obj.toString()).ok();
        assertTrue(log.lines().anyMatch(l -> l.startsWith("; ") && l.contains(" @ xdp_firewall.c:")), log);
        assertTrue(log.contains("0: R1=ctx() R10=fp0\n"), log);
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
        assertTrue(out.contains("R1=ctx()") && out.contains("processed 2 insns"), out);
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
