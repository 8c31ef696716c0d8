package org.bpf4j.oracle;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Code;
import org.bpf4j.jit.Jit;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.QueueStackMap;
import org.bpf4j.vm.run.TestRun;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.run.TestRunResult;
import org.bpf4j.spec.ProgramType;
import java.util.Optional;

/**
 * Runs generated programs on the VM, in the {@link Fixture}'s maps (created once, reset before
 * every run), on the interpreter or on the JIT (with no fallback to the interpreter). Owns the
 * maps: close it. Not thread-safe.
 */
public final class VmRunner implements AutoCloseable {
    /** The JIT as the campaign uses it: a function the JIT cannot compile is a failure, not a fallback. */
    public static final Engine JIT = Jit.INSTANCE.withFallback(Jit.Fallback.FAIL);
    /** The instruction budget of a run: far above what any generated program executes. */
    public static final long BUDGET = 10_000_000;
    private static final int ETH_HLEN = 14;

    private final List<BpfMap> maps = new ArrayList<>();

    /** Creates the fixture's maps on the VM. */
    public VmRunner() {
        for (Fixture.MapDef d : Fixture.MAPS) {
            maps.add(BpfMap.create(MapDefinition.of(d.name(), d.type(), d.keySize(), d.valueSize(), d.maxEntries())));
        }
    }

    /** The interpreter. */
    public static Engine interpreter() {
        return Interpreter.INSTANCE;
    }

    /**
     * Loads a program for an engine.
     *
     * @throws Bpf4jException if the VM refuses it (an unknown helper, say) or the JIT cannot compile it
     */
    public VmProgram load(Code code, Engine engine) {
        return VmProgram.load("oracle", code, maps, VmOptions.defaults().withEngine(engine).withInstructionBudget(BUDGET));
    }

    /** Resets the maps and runs a loaded socket filter once; a trap is part of the observation. */
    public Observation run(VmProgram program, byte[] input) {
        return run(program, input, new byte[0]);
    }

    /**
     * Resets the maps and runs a loaded program once; a trap is part of the observation. With a
     * non-empty {@code packet}, the program runs as an XDP program through the VM's
     * {@code BPF_PROG_TEST_RUN} ({@link TestRun}) over that packet, and its {@code data_out} is
     * observed; otherwise as a socket filter whose legacy loads see {@code input}.
     */
    public Observation run(VmProgram program, byte[] input, byte[] packet) {
        byte[] zero = Fixture.key(0);
        maps.get(Fixture.MEM).put(zero, input, BpfMap.ANY);
        maps.get(Fixture.RESULT).put(zero, new byte[8], BpfMap.ANY);
        BpfMap hash = maps.get(Fixture.HASH);
        for (byte[] k : hash.keys()) {
            hash.delete(k);
        }
        BpfMap array = maps.get(Fixture.ARRAY);
        for (int i = 0; i < Fixture.ARRAY_ENTRIES; i++) {
            array.put(Fixture.key(i), new byte[Fixture.VALUE_SIZE], BpfMap.ANY);
        }
        for (int q : new int[] {Fixture.QUEUE, Fixture.STACK}) {
            QueueStackMap m = (QueueStackMap) maps.get(q);
            while (m.pop().isPresent()) {
                // drained
            }
        }
        boolean xdp = packet.length != 0;
        byte[] dataOut = new byte[0];
        String end;
        try {
            long r0;
            int retval;
            if (xdp) {
                TestRunResult t = TestRun.run(program, ProgramType.XDP, Optional.empty(), TestRunInput.of(packet));
                retval = (int) t.retval();
                dataOut = t.data();
                r0 = stored(zero);
            } else {
                Execution ex = program.newExecution();
                // The packet legacy loads read: the input after the Ethernet header, as a socket filter sees it.
                ex.setPacket(java.util.Arrays.copyOfRange(input, ETH_HLEN, input.length));
                r0 = ex.run();
                retval = (int) r0;
            }
            end = Observation.returned(r0, retval);
            byte[] stored = maps.get(Fixture.RESULT).lookup(zero).orElseThrow();
            long s = 0;
            for (int i = 7; i >= 0; i--) {
                s = s << 8 | (stored[i] & 0xff);
            }
            if (s != r0) {
                end += " (but 0x" + Long.toHexString(s) + " stored)";
            }
        } catch (VmTrapException e) {
            end = "trap " + e.kind() + ": " + e.getMessage();
        } catch (Bpf4jException e) {
            end = "error " + e.getClass().getSimpleName() + ": " + e.getMessage();
        }
        List<String> entries = new ArrayList<>();
        for (byte[] k : hash.keys()) {
            hash.lookup(k).ifPresent(v -> entries.add(Observation.hex(k) + "=" + Observation.hex(v)));
        }
        entries.sort(null);
        List<String> values = new ArrayList<>();
        for (int i = 0; i < Fixture.ARRAY_ENTRIES; i++) {
            values.add(Observation.hex(array.lookup(Fixture.key(i)).orElseThrow()));
        }
        List<String> queued = new ArrayList<>();
        for (int q : new int[] {Fixture.QUEUE, Fixture.STACK}) {
            QueueStackMap m = (QueueStackMap) maps.get(q);
            for (java.util.Optional<byte[]> v = m.pop(); v.isPresent(); v = m.pop()) {
                queued.add(Fixture.MAPS.get(q).name() + ":" + Observation.hex(v.get()));
            }
        }
        return new Observation(end, maps.get(Fixture.MEM).lookup(zero).orElseThrow(), entries, values, queued, dataOut);
    }

    private long stored(byte[] zero) {
        byte[] v = maps.get(Fixture.RESULT).lookup(zero).orElseThrow();
        long s = 0;
        for (int i = 7; i >= 0; i--) {
            s = s << 8 | (v[i] & 0xff);
        }
        return s;
    }

    /** Closes the maps. */
    @Override
    public void close() {
        for (BpfMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
