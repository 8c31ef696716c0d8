package org.bpf4j.jit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.junit.jupiter.api.Test;

/**
 * Programs far above one JVM method: the kernel's maximum of one million straight-line
 * instructions, and 100,000 instructions of dense branches and small loops. Both must compile (no
 * fallback), keep every method under HotSpot's 8,000-byte limit, and give the interpreter's
 * result and budget. Also the fallback policy for a function the JIT refuses.
 */
class LargeProgramTest {
    private static final Jit JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);

    private static Instruction alu(AluOp op, int dst, int imm) {
        return new Instruction.Alu(true, op, dst, Operand.imm(imm));
    }

    private static Instruction aluReg(AluOp op, int dst, int src) {
        return new Instruction.Alu(true, op, dst, Operand.reg(src));
    }

    /** Checks the JIT against the interpreter on a program and returns the JIT's compiled form. */
    private static CompiledProgram runBoth(String name, Code code, long... args) {
        VmProgram interp = VmProgram.load(name, code, VmOptions.defaults().withEngine(Interpreter.INSTANCE));
        Execution iex = interp.newExecution();
        long expected = iex.run(args);
        long t0 = System.nanoTime();
        VmProgram jit = VmProgram.load(name, code, VmOptions.defaults().withEngine(JIT));
        long compileNanos = System.nanoTime() - t0;
        assertTrue(Jit.isCompiled(jit));
        Execution jex = jit.newExecution();
        assertEquals(expected, jex.run(args), name + ": r0");
        assertEquals(iex.budgetUsed(), jex.budgetUsed(), name + ": budget used");
        assertEquals(expected, jex.run(args), name + ": r0 of a second run");
        CompiledProgram compiled = ((JitExecutable) jit.executable()).program();
        UnitCompiler.Stats stats = compiled.stats();
        System.out.printf("[jit-large] %s: %d slots compiled in %d ms into %d classes, %d methods, largest %d bytes%n",
                name, code.slotCount(), compileNanos / 1_000_000, stats.classes(), stats.methods(),
                stats.largestMethod());
        assertTrue(stats.largestMethod() <= UnitCompiler.HUGE_METHOD_LIMIT, "largest method " + stats.largestMethod());
        return compiled;
    }

    @Test
    void oneMillionStraightLineInstructions() {
        SplittableRandom rnd = new SplittableRandom(1);
        List<Instruction> insns = new ArrayList<>();
        insns.add(alu(AluOp.MOV, 0, 0));
        insns.add(aluReg(AluOp.MOV, 6, 1));
        while (insns.size() < 999_999) {
            int off = -8 * (1 + rnd.nextInt(64));
            switch (rnd.nextInt(6)) {
                case 0 -> insns.add(alu(AluOp.ADD, 0, rnd.nextInt()));
                case 1 -> insns.add(aluReg(AluOp.XOR, 1, 0));
                case 2 -> insns.add(new Instruction.Store(Size.DW, 10, (short) off, Operand.reg(1)));
                case 3 -> insns.add(new Instruction.Load(Size.DW, false, 2, 10, (short) off));
                case 4 -> insns.add(alu(AluOp.MUL, 2, 3 + rnd.nextInt(100)));
                default -> insns.add(aluReg(AluOp.ADD, 0, 2));
            }
        }
        insns.add(new Instruction.Exit());
        Code code = Code.of(insns);
        assertEquals(1_000_000, code.slotCount());
        CompiledProgram p = runBoth("straight_1m", code, 12345);
        assertTrue(p.stats().methods() > 100, "split into many methods");
    }

    @Test
    void hundredThousandInstructionsOfDenseBranches() {
        SplittableRandom rnd = new SplittableRandom(2);
        List<Instruction> insns = new ArrayList<>();
        insns.add(alu(AluOp.MOV, 0, 0));
        while (insns.size() < 99_990) {
            int k = rnd.nextInt(10);
            if (k < 6) {
                // if (r1 op imm) skip the next one or two instructions
                JumpOp op = JumpOp.values()[rnd.nextInt(JumpOp.values().length)];
                insns.add(new Instruction.Jump(rnd.nextBoolean(), op, 1, Operand.imm(rnd.nextInt(-50, 5000)),
                        (short) (1 + rnd.nextInt(2))));
                insns.add(alu(AluOp.ADD, 0, rnd.nextInt(1000)));
                insns.add(aluReg(AluOp.XOR, 0, 1));
            } else if (k < 9) {
                insns.add(alu(AluOp.ADD, 1, rnd.nextInt(1, 97)));
                insns.add(alu(AluOp.AND, 1, 0x1fff));
            } else {
                // a small loop: r3 = n; do { r0 += r3; r3-- } while (r3 != 0)
                insns.add(alu(AluOp.MOV, 3, 1 + rnd.nextInt(5)));
                insns.add(aluReg(AluOp.ADD, 0, 3));
                insns.add(alu(AluOp.SUB, 3, 1));
                insns.add(new Instruction.Jump(true, JumpOp.JNE, 3, Operand.imm(0), (short) -3));
            }
        }
        // A far backward jump across the whole program, taken once.
        insns.add(new Instruction.Jump(true, JumpOp.JEQ, 9, Operand.imm(0), (short) 1));
        insns.add(new Instruction.Exit());
        insns.add(new Instruction.Alu(true, AluOp.MOV, 9, Operand.imm(1)));
        insns.add(new Instruction.Goto(true, -insns.size()));
        Code code = Code.of(insns);
        assertTrue(code.slotCount() >= 99_990 && code.slotCount() <= 100_010);
        runBoth("branches_100k", code, 17);
    }

    private static Code bigFunction(int n) {
        List<Instruction> insns = new ArrayList<>();
        insns.add(alu(AluOp.MOV, 0, 0));
        for (int i = 0; i < n; i++) {
            insns.add(alu(AluOp.ADD, 0, i));
        }
        insns.add(new Instruction.Exit());
        return Code.of(insns);
    }

    @Test
    void failPolicyRefusesAFunctionTheJitCannotCompile() {
        Jit strict = Jit.INSTANCE.withMaxFunctionInstructions(100).withFallback(Jit.Fallback.FAIL);
        JitCompilationException e = assertThrows(JitCompilationException.class,
                () -> VmProgram.load("big", bigFunction(200), VmOptions.defaults().withEngine(strict)));
        assertEquals("program big, function at instruction 0: 202 instructions, more than the JIT compiles in one "
                + "function (100)", e.getMessage());
    }

    @Test
    void interpreterPolicyRunsTheFunctionOnTheInterpreter() {
        Jit lenient = Jit.INSTANCE.withMaxFunctionInstructions(100).withFallback(Jit.Fallback.INTERPRETER);
        VmProgram p = VmProgram.load("big", bigFunction(200), VmOptions.defaults().withEngine(lenient));
        assertEquals(List.of(0), Jit.interpretedFunctions(p), "the one function fell back to the interpreter");
        assertEquals(199 * 200 / 2, p.newExecution().run());
        VmProgram small = VmProgram.load("small", bigFunction(50), VmOptions.defaults().withEngine(lenient));
        assertTrue(Jit.isCompiled(small));
        assertEquals(List.of(), Jit.interpretedFunctions(small));
        assertEquals(49 * 50 / 2, small.newExecution().run());
    }
}
