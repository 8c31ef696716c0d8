package org.bpf4j.oracle;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.junit.jupiter.api.Test;

/**
 * The generator without a kernel: programs are reproducible from (seed, number), accept-mode
 * programs pass bpf4j's verifier and run on the interpreter without a trap, and the programs are
 * varied (every chunk kind, every instruction form the generator promises, many results).
 */
class ProgramGeneratorTest {
    @Test
    void programsAreReproducible() {
        for (GeneratedProgram.Mode mode : GeneratedProgram.Mode.values()) {
            GeneratedProgram a = new ProgramGenerator(42).generate(17, mode);
            GeneratedProgram b = new ProgramGenerator(42).generate(17, mode);
            GeneratedProgram c = new ProgramGenerator(42).generate(18, mode);
            assertEquals(a.code(), b.code());
            assertArrayEquals(a.input(), b.input());
            assertEquals(a.hazard(), b.hazard());
            assertNotEquals(a.code(), c.code());
        }
    }

    @Test
    void removingChunksKeepsProgramsWellFormed() {
        GeneratedProgram p = new ProgramGenerator(5).generate(3, GeneratedProgram.Mode.ACCEPT);
        GeneratedProgram q = p;
        for (int i = q.chunks().size() - 1; i > 0; i--) {
            q = q.withoutChunk(i);
            Code c = q.code(); // Code.of checks every jump target
            assertTrue(c.slotCount() > 0);
        }
        assertEquals(1, q.liveChunks());
    }

    @Test
    void acceptModeProgramsAreVariedAndSafeOnTheVm() {
        // VM only: bpf4j's verifier and the interpreter, no kernel.
        try (Campaign c = new Campaign(new Campaign.Options(11, 0, 400, 0, false, false, false, Optional.empty()))) {
            Campaign.Report r = c.run(s -> {});
            System.out.println("[oracle] VM-only accept mode:\n" + r.summary());
            assertEquals(0, r.findings().size(), () -> "findings: " + r.findings());
            assertTrue(r.verdicts().getOrDefault("accept/-", 0) >= 390, () -> "bpf4j accepts " + r.verdicts());
        }
        TreeMap<String, Integer> kinds = new TreeMap<>();
        Set<String> forms = new HashSet<>();
        Set<Long> results = new HashSet<>();
        int withHash = 0;
        int withQueues = 0;
        ProgramGenerator g = new ProgramGenerator(11);
        try (VmRunner vm = new VmRunner()) {
            for (int i = 0; i < 400; i++) {
                GeneratedProgram p = g.generate(i, GeneratedProgram.Mode.ACCEPT);
                p.chunks().forEach(ch -> kinds.merge(ch.kind(), 1, Integer::sum));
                for (Instruction insn : p.code().instructions()) {
                    forms.add(form(insn));
                }
                Observation o = vm.run(vm.load(p.code(), VmRunner.interpreter()), p.input());
                results.add(Long.parseUnsignedLong(o.end().substring(5, o.end().indexOf(' ')), 16));
                withHash += o.hash().isEmpty() ? 0 : 1;
                withQueues += o.queues().isEmpty() ? 0 : 1;
            }
        }
        System.out.println("[oracle] chunk kinds " + kinds + "; " + results.size() + " distinct r0 in 400 programs; "
                + withHash + " left hash entries, " + withQueues + " queue or stack values");
        for (String k : new String[] {"prologue", "alu", "alu-special", "stack", "mem", "mem-var-off", "atomic", "jump",
            "if-else", "loop", "lookup", "update", "delete", "call", "ldabs", "push", "pop", "peek"}) {
            assertTrue(kinds.containsKey(k), () -> "no chunk of kind " + k + ": " + kinds);
        }
        for (String f : new String[] {"alu32", "alu64", "sdiv", "smod", "movsx", "neg", "bswap", "be", "le", "lddw",
            "ldx", "ldxs", "st", "stx", "atomic", "cmpxchg", "load_acquire", "store_release", "jmp", "jmp32", "goto",
            "gotol", "call-helper", "call-local", "ldabs"}) {
            assertTrue(forms.contains(f), () -> "no instruction of form " + f + ": " + forms);
        }
        assertTrue(results.size() > 200, results.size() + " distinct results");
        // The maps are observed, so programs must leave something in them.
        assertTrue(withHash > 20 && withQueues > 20, withHash + " runs left hash entries, " + withQueues
                + " left queue or stack values");
    }

    /**
     * XDP programs: reproducible, accepted by bpf4j's verifier, safe on the interpreter, and they
     * take both sides of their bounds checks: some runs write the packet ({@code data_out} differs
     * from the packet), and packet chunks are generated in most programs.
     */
    @Test
    void xdpProgramsAccessThePacketAndAreSafeOnTheVm() {
        GeneratedProgram a = new ProgramGenerator(42).generate(17, GeneratedProgram.Mode.ACCEPT, true);
        GeneratedProgram b = new ProgramGenerator(42).generate(17, GeneratedProgram.Mode.ACCEPT, true);
        assertEquals(a.code(), b.code());
        assertArrayEquals(a.packet(), b.packet());
        assertTrue(a.xdp() && a.id().endsWith("x"), a.id());
        assertTrue(!new ProgramGenerator(42).generate(17, GeneratedProgram.Mode.ACCEPT).xdp());
        try (Campaign c = new Campaign(new Campaign.Options(12, 0, 200, 0, false, false, false, Optional.empty(), 100))) {
            Campaign.Report r = c.run(s -> {});
            System.out.println("[oracle] VM-only XDP accept mode:\n" + r.summary());
            assertEquals(0, r.findings().size(), () -> "findings: " + r.findings());
            assertEquals(200, r.xdp());
            assertTrue(r.verdicts().getOrDefault("accept/-", 0) >= 195, () -> "bpf4j accepts " + r.verdicts());
        }
        ProgramGenerator g = new ProgramGenerator(12);
        int withPacketChunks = 0;
        int written = 0;
        Set<Integer> lengths = new HashSet<>();
        try (VmRunner vm = new VmRunner()) {
            for (int i = 0; i < 200; i++) {
                GeneratedProgram p = g.generate(i, GeneratedProgram.Mode.ACCEPT, true);
                assertTrue(p.chunks().stream().noneMatch(ch -> ch.kind().equals("ldabs")), p.id());
                withPacketChunks += p.chunks().stream().anyMatch(ch -> ch.kind().equals("packet")) ? 1 : 0;
                lengths.add(p.packet().length);
                Observation o = vm.run(vm.load(p.code(), VmRunner.interpreter()), p.input(), p.packet());
                assertTrue(o.end().startsWith("r0="), () -> p.id() + ": " + o.end());
                assertEquals(p.packet().length, o.dataOut().length, p.id());
                written += java.util.Arrays.equals(p.packet(), o.dataOut()) ? 0 : 1;
            }
        }
        System.out.println("[oracle] XDP: " + withPacketChunks + " of 200 programs with packet chunks, " + written
                + " wrote their packet, " + lengths.size() + " packet lengths");
        assertTrue(withPacketChunks > 150, withPacketChunks + " programs with packet chunks");
        assertTrue(written > 40, written + " programs wrote their packet");
        assertTrue(lengths.size() > 40, lengths.size() + " packet lengths");
    }

    private static String form(Instruction i) {
        return switch (i) {
            case Instruction.Alu a -> switch (a.op()) {
                case SDIV -> "sdiv";
                case SMOD -> "smod";
                default -> a.wide() ? "alu64" : "alu32";
            };
            case Instruction.Neg n -> "neg";
            case Instruction.MovSx m -> "movsx";
            case Instruction.Endian e -> switch (e.op()) {
                case SWAP -> "bswap";
                case BE -> "be";
                case LE -> "le";
            };
            case Instruction.LoadImm64 l -> "lddw";
            case Instruction.Load l -> l.signExtend() ? "ldxs" : "ldx";
            case Instruction.LoadPacket l -> "ldabs";
            case Instruction.Store s -> s.src() instanceof org.bpf4j.isa.Operand.Imm ? "st" : "stx";
            case Instruction.Atomic a -> switch (a.op()) {
                case CMPXCHG -> "cmpxchg";
                case LOAD_ACQ -> "load_acquire";
                case STORE_REL -> "store_release";
                default -> "atomic";
            };
            case Instruction.Jump j -> j.wide() ? "jmp" : "jmp32";
            case Instruction.Goto g -> g.wide() ? "gotol" : "goto";
            case Instruction.MayGoto m -> "may_goto";
            case Instruction.Call c -> c.kind() == org.bpf4j.isa.CallKind.HELPER ? "call-helper" : "call-local";
            case Instruction.CallReg c -> "callx";
            case Instruction.Exit e -> "exit";
        };
    }
}
