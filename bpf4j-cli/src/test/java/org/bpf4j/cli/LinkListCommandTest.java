package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.isa.Assembler;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.link.BpfLink;
import org.bpf4j.linux.link.Attacher;
import org.bpf4j.linux.link.Link;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** {@code bpf4j link list} against the real kernel: skipped, with the reason, where bpf() does not work. */
class LinkListCommandTest {
    @Test
    void listsALinkWithItsTypeAndProgram() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        byte[] insns = Assembler.assemble("mov %r0, 0\nexit\n", "t.s").toBytes();
        Bpf.ProgLoad load = new Bpf.ProgLoad(ProgramType.RAW_TRACEPOINT.id(), insns, "GPL", 0, 0, 0, 0, "t_link", 0, 0,
                0, new byte[0], new byte[0], 0, 0, new int[0]);
        try (KernelProgram p = Kernel.system().loadProgram("t_link", ProgramType.RAW_TRACEPOINT, load);
                Link link = Attacher.of(Kernel.system()).rawTracepoint(p, "sys_enter")) {
            Cli r = Cli.run("link", "list");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            String line = ((BpfLink) link).id() + ": raw_tracepoint  prog " + p.id();
            assertTrue(r.out().lines().anyMatch(line::equals), "no '" + line + "' in:\n" + r.out());
        }
        String after = Cli.run("link", "list").out();
        assertTrue(after.lines().allMatch(l -> l.matches("\\d+: [a-z_]+  prog \\d+")), after);
    }
}
