package org.bpf4j.jit;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Environment;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.HelperRegistry;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.Memory;
import org.bpf4j.vm.Tracee;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.ProgArrayMap;
import org.bpf4j.vm.run.TestRun;
import org.bpf4j.vm.run.TestRunException;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.run.TestRunResult;

/**
 * The fixed surroundings in which differential tests run a program on each engine: maps (a hash
 * map, an array map with addressable values, a program array, an array whose values hold a
 * {@code bpf_spin_lock}), the standard helpers plus a
 * logging probe helper (id {@value #PROBE_HELPER}), a deterministic clock, TAI offset, task and
 * random source, a memory region and packet. Everything observable is collected into an {@link Outcome}, which must
 * be equal for the interpreter and the JIT. Maps are shared by both engines (so that map handles
 * and value addresses are the same) and reset before each run. Not thread-safe.
 */
final class FuzzWorld implements AutoCloseable {
    static final int PROBE_HELPER = 1000;
    static final long BUDGET = 10_000;
    /** The distance from the world's clock to TAI ({@code bpf_ktime_get_tai_ns}): 2026-01-01, about. */
    static final long TAI_OFFSET = 1_767_225_637_000_000_000L;
    /** A small tail call target in slot 1 of the program array: returns R1 + 77 after a loop on its stack. */
    private static final Code TAIL_TARGET = Assembler.assemble("""
            mov %r0, 3
            loop:
            stxdw [%r10-8], %r0
            ldxdw %r0, [%r10-8]
            sub %r0, 1
            jne %r0, 0, loop
            mov %r0, %r1
            add %r0, 77
            exit
            """, "tail_target.s");

    final BpfMap hash = BpfMap.create(MapDefinition.of("hash", MapType.HASH, 4, 8, 8));
    final BpfMap array = BpfMap.create(MapDefinition.of("array", MapType.ARRAY, 4, 16, 4));
    final ProgArrayMap progs = (ProgArrayMap) BpfMap.create(MapDefinition.of("progs", MapType.PROG_ARRAY, 4, 4, 4));
    /** An array whose values hold a {@code bpf_spin_lock} at offset 4 and a counter at 8 (index 3). */
    final BpfMap locked = BpfMap.create(MapDefinition.of("locked", MapType.ARRAY, 4, 16, 4).withSpinLock(4));
    final List<BpfMap> maps = List.of(hash, array, progs, locked);
    private final StringBuilder log = new StringBuilder();
    private final HelperRegistry helpers;
    private long clock;
    private SplittableRandom random;

    FuzzWorld() {
        helpers = HelperRegistry.standard().toBuilder().add(PROBE_HELPER, "probe", (c, r1, r2, r3, r4, r5) -> {
            log.append("probe@").append(c.slot()).append('(').append(Long.toHexString(r1)).append(',')
                    .append(Long.toHexString(r2)).append(',').append(Long.toHexString(r3)).append(',')
                    .append(Long.toHexString(r4)).append(',').append(Long.toHexString(r5)).append(")\n");
            return r1 * 31 + (r2 ^ r5);
        }).build();
    }

    /** Everything a run shows: how it ended, the budget it used, and the state it left. */
    record Outcome(String end, long budgetUsed, String state) {
        @Override
        public String toString() {
            return end + " budget=" + budgetUsed + "\n" + state;
        }
    }

    VmOptions options(Engine engine, long budget) {
        Environment env = Environment.system()
                .withClock(() -> clock += 7)
                .withRandom((java.util.random.RandomGenerator) () -> random.nextLong())
                .withTraceSink(s -> log.append("trace: ").append(s))
                .withTask(0x1234_0000_5678L, 0x10001L, "fuzz")
                // a fixed TAI offset (the system's is measured from the wall clock): every machine runs the same
                .withTracee(Tracee.none().withTaiOffset(TAI_OFFSET));
        return VmOptions.defaults().withEngine(engine).withHelpers(helpers).withInstructionBudget(budget)
                .withEnvironment(env);
    }

    /** Loads a program with the world's maps and helpers; null if the VM refuses to load it. */
    VmProgram load(Code code, Engine engine, long budget) {
        return VmProgram.load("fuzz", code, maps, options(engine, budget));
    }

    private void reset(VmProgram self, long budget) {
        // Delete from the highest value slot down, so that the map hands out slots again in the
        // order of a new map (for programs that delete nothing themselves).
        List<byte[]> keys = new ArrayList<>(hash.keys());
        keys.sort(java.util.Comparator.comparingLong((byte[] k) -> hash.lookupAddress(k, 0)).reversed());
        for (byte[] k : keys) {
            hash.delete(k);
        }
        for (int i = 0; i < 4; i++) {
            array.put(u32(i), new byte[16], BpfMap.ANY);
            locked.put(u32(i), new byte[16], BpfMap.ANY);
        }
        progs.set(0, self);
        progs.set(1, VmProgram.load("tail_target", TAIL_TARGET, options(Interpreter.INSTANCE, budget)));
        log.setLength(0);
        clock = 1_000;
        random = new SplittableRandom(42);
    }

    /**
     * Runs a loaded program twice on one execution, with R1 pointing to a writable copy of
     * {@code memory} (also the packet) and R2 its length, and describes everything observable.
     */
    Outcome run(VmProgram program, byte[] memory, long budget) {
        reset(program, budget);
        Execution ex = program.newExecution();
        StringBuilder end = new StringBuilder();
        long used = -1;
        byte[] data = memory.clone();
        for (int round = 0; round < 2; round++) {
            ex.setPacket(data);
            long addr = ex.memory().add("memory", data, true);
            try {
                long r0 = ex.run(addr, data.length);
                end.append("r0=0x").append(Long.toHexString(r0)).append(" budget=").append(ex.budgetUsed());
                used = ex.budgetUsed();
            } catch (VmTrapException e) {
                end.append("trap ").append(e.kind()).append(" at ").append(e.slot()).append(": ").append(e.getMessage());
            } catch (Bpf4jException e) {
                end.append("error ").append(e.getClass().getSimpleName()).append(": ").append(e.getMessage());
            }
            end.append(round == 0 ? "; then " : "");
        }
        return new Outcome(end.toString(), used, state(ex, data));
    }

    /**
     * Runs a loaded program as {@code BPF_PROG_TEST_RUN} runs a program of {@code type} over
     * {@code input} ({@link TestRun}), and describes everything observable: the return value,
     * the packet and context after the run and the redirect, or the trap or the refusal of the
     * input, then the maps and the helper log.
     */
    Outcome testRun(VmProgram program, ProgramType type, TestRunInput input, long budget) {
        reset(program, budget);
        HexFormat hex = HexFormat.of();
        String end;
        try {
            TestRunResult r = TestRun.run(program, type, Optional.empty(), input);
            end = "retval=" + r.retval() + " redirect=" + r.redirect().map(Object::toString).orElse("none")
                    + "\ndata_out " + hex.formatHex(r.data()) + "\nctx_out " + r.context().map(hex::formatHex).orElse("-");
        } catch (VmTrapException e) {
            end = "trap " + e.kind() + " at " + e.slot() + ": " + e.getMessage();
        } catch (TestRunException e) {
            end = "refused errno " + e.errno() + ": " + e.getMessage();
        } catch (Bpf4jException e) {
            end = "error " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        StringBuilder b = new StringBuilder();
        maps(b);
        return new Outcome(end, -1, b.toString());
    }

    /**
     * Runs a loaded program as {@link #testRun} does and gives what {@link TestRun} gave: its
     * {@link TestRunResult}, or the {@link VmTrapException}, {@link TestRunException} or other
     * {@link Bpf4jException} it threw.
     */
    Object testRunRaw(VmProgram program, ProgramType type, TestRunInput input, long budget) {
        reset(program, budget);
        try {
            return TestRun.run(program, type, Optional.empty(), input);
        } catch (Bpf4jException e) {
            return e;
        }
    }

    private String state(Execution ex, byte[] data) {
        HexFormat hex = HexFormat.of();
        StringBuilder b = new StringBuilder();
        b.append("memory ").append(hex.formatHex(data)).append('\n');
        for (int d = 0; d < Memory.MAX_CALL_FRAMES; d++) {
            long base = Memory.framePointer(d) - Memory.STACK_FRAME_SIZE;
            byte[] f = ex.memory().read(base, Memory.STACK_FRAME_SIZE, 0);
            if (!allZero(f)) {
                b.append("frame ").append(d).append(' ').append(hex.formatHex(f)).append('\n');
            }
        }
        maps(b);
        return b.toString();
    }

    /** The maps' contents and the helper log. */
    private void maps(StringBuilder b) {
        HexFormat hex = HexFormat.of();
        List<String> entries = new ArrayList<>();
        for (byte[] k : hash.keys()) {
            entries.add(hex.formatHex(k) + "=" + hex.formatHex(hash.lookup(k).orElseThrow()));
        }
        entries.sort(null);
        b.append("hash ").append(entries).append('\n');
        for (int i = 0; i < 4; i++) {
            b.append("array[").append(i).append("] ").append(hex.formatHex(array.lookup(u32(i)).orElseThrow())).append('\n');
        }
        for (int i = 0; i < 4; i++) {
            b.append("locked[").append(i).append("] ").append(hex.formatHex(locked.lookup(u32(i)).orElseThrow()))
                    .append('\n');
        }
        b.append(log);
    }

    /** What the verifier needs to know of the world's maps, by index. */
    List<org.bpf4j.verifier.MapInfo> mapInfos() {
        List<org.bpf4j.verifier.MapInfo> out = new ArrayList<>();
        for (BpfMap m : maps) {
            MapDefinition d = m.definition();
            out.add(org.bpf4j.verifier.MapInfo.of(d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries())
                    .withSpecialFields(d.spinLockOffset(), d.timerOffset()));
        }
        return out;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }

    static byte[] u32(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }

    @Override
    public void close() {
        progs.close();
        locked.close();
        array.close();
        hash.close();
    }
}
