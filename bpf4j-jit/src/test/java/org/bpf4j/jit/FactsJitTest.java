package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.DataFile;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.verifier.AccessFacts.Access;
import org.bpf4j.verifier.AccessFacts.Region;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Fuzzing;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The JIT with the verifier's facts: accesses proved in bounds are compiled without checks, the
 * results stay the interpreter's, and facts that do not hold cannot break the sandbox.
 */
class FactsJitTest {
    private static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);

    private static AccessFacts verify(Code code, int memory) {
        VerificationResult r = Verifier.verify(new VerifierInput("t", code, ProgramType.SOCKET_FILTER, List.of(), true)
                .withEntryMemory(memory));
        assertTrue(r.accepted(), () -> "rejected: " + r);
        return ((VerificationResult.Accepted) r).facts();
    }

    private static long run(Code code, Jit engine, byte[] memory) {
        VmProgram p = VmProgram.load("t", code, VmOptions.defaults().withEngine(engine));
        return p.newExecution().runWithMemory(memory);
    }

    private static long interpret(Code code, byte[] memory) {
        return VmProgram.load("t", code, VmOptions.defaults().withEngine(Interpreter.INSTANCE)).newExecution()
                .runWithMemory(memory);
    }

    /** Counts the checked accessor calls in the generated code. */
    private static int checkedAccesses(Code code, Jit engine) {
        String listing = engine.listing(VmProgram.load("t", code, VmOptions.defaults().withEngine(Interpreter.INSTANCE)));
        int n = 0;
        for (String line : listing.split("\n")) {
            if (line.contains("org/bpf4j/vm/Memory") && (line.contains("load") || line.contains("store"))
                    && !line.contains("Table")) {
                n++;
            }
        }
        return n;
    }

    private static final Code STACK_AND_INPUT = Assembler.assemble("""
            mov %r6, %r1
            mov %r3, %r10
            add %r3, -16
            stxdw [%r3+0], %r2
            ldxdw %r0, [%r3+0]
            mov %r4, 0
            loop:
            mov %r5, %r6
            add %r5, %r4
            ldxb %r7, [%r5+0]
            add %r0, %r7
            mov %r5, %r3
            and %r7, 7
            add %r5, %r7
            stxb [%r5+0], %r7
            add %r4, 1
            jlt %r4, 16, loop
            stb [%r6+3], 9
            ldxdw %r1, [%r10-16]
            add %r0, %r1
            exit
            """, "stack_and_input.s");

    @Test
    void provedAccessesLoseTheirChecksAndKeepTheirResults() {
        byte[] mem = new byte[16];
        for (int i = 0; i < mem.length; i++) {
            mem[i] = (byte) (i * 37 + 5);
        }
        AccessFacts facts = verify(STACK_AND_INPUT, mem.length);
        Jit withFacts = JIT.withFacts(STACK_AND_INPUT, facts);
        assertEquals(interpret(STACK_AND_INPUT, mem), run(STACK_AND_INPUT, withFacts, mem));
        assertEquals(interpret(STACK_AND_INPUT, mem), run(STACK_AND_INPUT, JIT, mem));
        // five accesses the compiler cannot prove by itself (through R3, R5, R6), all proved by the
        // verifier: the three to the stack lose every check; the load from the input reads its
        // segment (whose own bounds test stops wrong facts); the store to the input keeps a bounds
        // test against the run's input array (no region lookup) and the checked accessor behind it
        assertEquals(5, checkedAccesses(STACK_AND_INPUT, JIT), "without facts");
        assertEquals(1, checkedAccesses(STACK_AND_INPUT, withFacts), "with facts");
    }

    @Test
    void factsAboutAnotherProgramAreNotUsed() {
        AccessFacts facts = verify(STACK_AND_INPUT, 16);
        Code other = Assembler.assemble("mov %r0, 0\n".repeat(STACK_AND_INPUT.slotCount() - 1) + "exit\n", "o.s");
        assertEquals(0, run(other, JIT.withFacts(STACK_AND_INPUT, facts), new byte[16]));
        assertThrows(IllegalArgumentException.class, () -> JIT.withFacts(other, AccessFacts.none(3)));
    }

    /**
     * The loop's unsigned exit test, proved to compare values of one sign, becomes a signed
     * comparison (which HotSpot turns into a counted loop); a fact that lies about a comparison
     * takes the signed comparison's branch, as a wrong program can, and the run still ends.
     */
    @Test
    void comparisonsOfOneSignBecomeSigned() {
        Code code = Assembler.assemble("""
                ldxdw %r2, [%r1+0]
                mov %r0, 0
                mov %r3, 0
                loop:
                add %r0, %r3
                add %r3, 1
                jlt %r3, 100, loop
                jgt %r2, 5, big
                exit
                big:
                mov %r0, -1
                exit
                """, "signed.s");
        AccessFacts facts = verify(code, 8);
        int loop = 5;
        int test = 6;
        assertTrue(facts.signedCompare(loop), "the loop's counter is never negative");
        assertFalse(facts.signedCompare(test), "R2 may be negative");
        Jit withFacts = JIT.withFacts(code, facts);
        String listing = withFacts.listing(VmProgram.load("t", code, VmOptions.defaults().withEngine(Interpreter.INSTANCE)));
        assertEquals(1, listing.split("Long.compareUnsigned", -1).length - 1, listing);
        byte[] negative = {-1, -1, -1, -1, -1, -1, -1, -1};
        byte[] small = {3, 0, 0, 0, 0, 0, 0, 0};
        for (byte[] mem : List.of(negative, small)) {
            assertEquals(interpret(code, mem), run(code, withFacts, mem));
        }
        // a lie: R2 = -1 compared as signed is not above 5
        boolean[] lie = new boolean[code.slotCount()];
        lie[test] = true;
        Jit lying = JIT.withFacts(code, AccessFacts.of(new Access[code.slotCount()], lie));
        assertEquals(-1L, interpret(code, negative));
        assertEquals(4950L, run(code, lying, negative));
    }

    private static Access[] bySlot(Code code) {
        return new Access[code.slotCount()];
    }

    /** Facts that claim the input memory at 64 bytes is in a frame of 512: the JVM's index check stops it. */
    @Test
    void wrongFactsTrapInsteadOfReachingOutside() {
        Code code = Assembler.assemble("""
                mov %r3, %r1
                add %r3, 1000
                ldxb %r0, [%r3+0]
                exit
                """, "wrong.s");
        Access[] a = bySlot(code);
        a[2] = Access.of(Region.STACK, true, -200, -100); // a lie: it is the input memory at 1000
        Jit lying = JIT.withFacts(code, AccessFacts.of(a));
        VmTrapException t = assertThrows(VmTrapException.class, () -> run(code, lying, new byte[64]));
        assertEquals(VmTrapException.Kind.MEMORY, t.kind());
        assertTrue(t.getMessage().contains("verifier facts that do not hold"), t.getMessage());
        // without facts: the interpreter's trap
        VmTrapException u = assertThrows(VmTrapException.class, () -> run(code, JIT, new byte[64]));
        assertEquals(VmTrapException.Kind.MEMORY, u.kind());
    }

    /**
     * Lies about stores: claimed inside the input memory, the store goes to the input's array at
     * the address's low half (its own sandbox, or a trap), never where the address points; and
     * when the input is read-only, the store table holds no bytes for it, so nothing is written.
     */
    @Test
    void wrongFactsCannotWriteWhereTheProgramMayNot() {
        Code code = Assembler.assemble("""
                lddw %r3, 0x7fffffff00000010
                stb [%r3+0], 1
                mov %r3, %r1
                add %r3, 4000
                stb [%r3+0], 1
                mov %r0, 0
                exit
                """, "wrong-store.s");
        Access[] a = bySlot(code);
        a[2] = Access.of(Region.INPUT, true, 0, 0); // a wild address: region 0x7fffffff
        a[5] = Access.of(Region.INPUT, true, 0, 0); // past the end of the input
        Jit lying = JIT.withFacts(code, AccessFacts.of(a));
        VmProgram p = VmProgram.load("t", code, VmOptions.defaults().withEngine(lying));
        // writable input: the first lie writes the input's byte 16 (its own memory), the second traps
        Execution ex = p.newExecution();
        byte[] writable = new byte[64];
        long addr = ex.memory().add("input", writable, true);
        VmTrapException t = assertThrows(VmTrapException.class, () -> ex.run(addr, 64));
        assertEquals(VmTrapException.Kind.MEMORY, t.kind());
        assertEquals(1, writable[16]);
        // read-only input: nothing is written
        Execution ro = p.newExecution();
        byte[] readOnly = new byte[64];
        long roAddr = ro.memory().add("input", readOnly, false);
        VmTrapException u = assertThrows(VmTrapException.class, () -> ro.run(roAddr, 64));
        assertEquals(VmTrapException.Kind.MEMORY, u.kind());
        assertEquals(0, readOnly[16]);
    }

    /**
     * Lies about loads in a loop claimed inside the input memory (read through the input's
     * segment): an address in another region, or past the end of the input, falls outside the
     * segment and the run traps; a true claim reads the input.
     */
    @Test
    void wrongFactsAboutInputLoadsTrap() {
        Code code = Assembler.assemble("""
                mov %r3, %r1
                add %r3, %r2
                mov %r0, 0
                mov %r4, 0
                loop:
                ldxb %r5, [%r3+0]
                add %r0, %r5
                add %r4, 1
                jlt %r4, 1, loop
                exit
                """, "input-load.s");
        Access[] a = bySlot(code);
        a[4] = Access.of(Region.INPUT, true, 0, 0);
        Jit lying = JIT.withFacts(code, AccessFacts.of(a));
        VmProgram p = VmProgram.load("t", code, VmOptions.defaults().withEngine(lying));
        byte[] input = new byte[64];
        input[5] = 42;
        Execution ex = p.newExecution();
        long addr = ex.memory().add("input", input, false);
        assertEquals(42, ex.run(addr, 5), "a true claim");
        VmTrapException end = assertThrows(VmTrapException.class, () -> ex.run(addr, 64));
        assertEquals(VmTrapException.Kind.MEMORY, end.kind(), "past the end");
        byte[] other = new byte[64];
        other[5] = 7;
        long otherAddr = ex.memory().add("other", other, false);
        VmTrapException wild = assertThrows(VmTrapException.class, () -> ex.run(addr, otherAddr - addr + 5));
        assertEquals(VmTrapException.Kind.MEMORY, wild.kind(), "another region");
    }

    /**
     * Random programs (which do everything, including wild accesses) compiled with random facts
     * at every load and store and random signed comparisons: each run ends with a result or a VM trap, never with another
     * exception, and what it changes is only its own sandbox (the frame, its memory, writable maps).
     * Deterministic by default (seed 1, 300 programs); {@code -Dbpf4j.fuzz.seed=random},
     * {@code -Dbpf4j.fuzz.count=N} and {@code -Dbpf4j.fuzz.seconds=N} explore ({@link Fuzzing}).
     */
    @Test
    void randomWrongFactsStayInTheSandbox() {
        Fuzzing fuzz = Fuzzing.of(1, 300);
        long seed = fuzz.seed();
        SplittableRandom rnd = new SplittableRandom(seed);
        Region[] regions = Region.values();
        int programs = 0;
        int runs = 0;
        int traps = 0;
        try (FuzzWorld world = new FuzzWorld()) {
            for (; fuzz.more(programs); programs++) {
                Code code = new ProgramGenerator(rnd).generate();
                Access[] a = bySlot(code);
                boolean[] signed = new boolean[code.slotCount()];
                for (int s = 0; s < code.slotCount(); s++) {
                    Instruction insn = code.atSlot(s);
                    if (insn instanceof Instruction.Load || insn instanceof Instruction.Store) {
                        long off = rnd.nextInt(-600, 600);
                        a[s] = Access.of(regions[rnd.nextInt(regions.length)], rnd.nextBoolean(), off,
                                rnd.nextBoolean() ? off : off + rnd.nextInt(100));
                    }
                    // lies about comparisons too: they change branches (the budget ends a loop that no
                    // longer ends), never what memory a run can reach
                    signed[s] = insn instanceof Instruction.Jump && rnd.nextBoolean();
                }
                byte[] memory = new byte[64];
                rnd.nextBytes(memory);
                VmProgram p;
                try {
                    p = world.load(code, JIT.withFacts(code, AccessFacts.of(a, signed)), FuzzWorld.BUDGET);
                } catch (org.bpf4j.UnsupportedFeatureException e) {
                    continue;
                }
                FuzzWorld.Outcome o;
                try {
                    o = world.run(p, memory, FuzzWorld.BUDGET);
                } catch (RuntimeException | Error e) { // anything but a result or a VM trap
                    throw new AssertionError("program " + programs + " (" + fuzz.replay(programs + 1) + "): " + e, e);
                }
                runs++;
                traps += o.end().contains("trap") ? 1 : 0;
            }
        }
        System.out.println("[facts] seed " + seed + ": " + programs + " programs, " + runs + " run with random facts, "
                + traps + " ended with a trap; replay: " + fuzz.replay(programs));
        assertTrue(runs > programs / 3, "programs run: " + runs + " of " + programs);
    }

    /** Every shared conformance program the verifier accepts gives its expected result on the JIT with facts. */
    @Test
    void conformanceSuiteWithFacts() throws IOException {
        Path dir = Path.of(System.getProperty("bpf4j.shared", "../shared"), "conformance");
        Assumptions.assumeTrue(Files.isDirectory(dir), "SKIPPED: ../shared/conformance is absent");
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(f -> f.toString().endsWith(".data")).sorted().toList();
        }
        int verified = 0;
        int withUnchecked = 0;
        List<String> wrong = new ArrayList<>();
        for (Path f : files) {
            DataFile d = DataFile.read(f);
            if (d.expectedResult().isEmpty()) {
                continue;
            }
            byte[] mem = d.memory().orElse(null);
            VerificationResult r = Verifier.verify(new VerifierInput(f.getFileName().toString(), d.code(),
                    ProgramType.SOCKET_FILTER, List.of(), true).withEntryMemory(mem == null ? 0 : mem.length));
            if (!(r instanceof VerificationResult.Accepted a)) {
                continue;
            }
            verified++;
            Jit engine = JIT.withFacts(d.code(), a.facts());
            VmProgram p = VmProgram.load(f.getFileName().toString(), d.code(),
                    VmOptions.defaults().withEngine(engine).withInstructionBudget(Long.MAX_VALUE));
            withUnchecked += Jit.isCompiled(p) && AccessPlan.of(d.code(), a.facts()).any() ? 1 : 0;
            Execution ex = p.newExecution();
            for (int round = 0; round < 2; round++) {
                long r0 = ex.runWithMemory(mem);
                if (r0 != d.expectedResult().getAsLong()) {
                    wrong.add(f.getFileName() + ": 0x" + Long.toHexString(r0));
                }
            }
        }
        System.out.println("[facts] conformance: " + verified + " verified programs on the JIT with facts, "
                + withUnchecked + " with unchecked accesses, " + wrong.size() + " wrong");
        assertEquals(List.of(), wrong);
        assertTrue(verified >= 290 && withUnchecked > 50, verified + " verified, " + withUnchecked + " with facts used");
    }
}
