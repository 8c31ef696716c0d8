package org.bpf4j.trace.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.vm.Cpus;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.RingBufferMap;

/** The bpf4j VM as a backend: VM maps, programs run by the configured engine, events from a ring buffer. */
public final class VmBackend implements Backend {
    private final List<BpfMap> maps = new ArrayList<>();
    private final RingBufferMap ring;
    private final BpfMap globals;
    private final List<Execution> programs = new ArrayList<>();
    private final VmOptions options;
    private final CompiledScript script;

    /** Creates the maps and loads the programs (ring buffer transport). */
    public VmBackend(CompiledScript script, VmOptions options) {
        this.options = options;
        this.script = script;
        if (script.transport().queueValueSize() != 0) {
            throw new IllegalArgumentException("the VM backend reads events from a ring buffer");
        }
        try {
            for (CompiledScript.RuntimeMap m : script.runtimeMaps(Cpus.count())) {
                maps.add(BpfMap.create(MapDefinition.of(m.name(), m.type(), m.keySize(), m.valueSize(), m.entries())));
            }
            ring = (RingBufferMap) maps.get(script.ringBufferIndex());
            globals = maps.get(script.globalsIndex());
            for (CompiledScript.ProbeProgram p : script.programs()) {
                programs.add(VmProgram.load(p.name(), p.code(), maps, options).newExecution());
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Runs a program; a run the VM ends (its instruction budget spent, as by a loop that never
     * ends, which the kernel's verifier refuses to load) is a {@link ProbeRunException} naming
     * the probe.
     */
    @Override
    public long run(int index, byte[] context) {
        try {
            return programs.get(index).runWithMemory(context);
        } catch (VmTrapException e) {
            CompiledScript.ProbeProgram p = script.programs().get(index);
            String what = e.kind() == VmTrapException.Kind.BUDGET
                    ? "the program of " + p.attachPoint().name() + " ran " + String.format(Locale.ROOT, "%,d", options.instructionBudget())
                            + " instructions without ending and was stopped (a loop that never ends? the kernel "
                            + "refuses to load a program whose loops it cannot see end)"
                    : "the program of " + p.attachPoint().name() + " was stopped: " + e.getMessage();
            throw new ProbeRunException(p.attachPoint(), what, e);
        }
    }

    @Override
    public void drain(Consumer<byte[]> handler) {
        ring.poll(handler);
    }

    @Override
    public long lost() {
        return ring.dropped();
    }

    @Override
    public MapStore map(int index) {
        BpfMap m = maps.get(index);
        return MapStore.of(m::keys, m::lookup, m::remove, (k, v) -> m.put(k, v, BpfMap.EXIST));
    }

    @Override
    public int cpus() {
        return Cpus.count();
    }

    @Override
    public long monotonicNanos() {
        return options.environment().monotonicNanos().getAsLong();
    }

    @Override
    public void setGlobals(long startNanos, long cpid) {
        byte[] start = new byte[CompiledScript.GLOBALS_BYTES];
        ByteBuffer.wrap(start).order(ByteOrder.LITTLE_ENDIAN).putLong(startNanos).putLong(cpid);
        globals.put(new byte[4], start, BpfMap.ANY);
    }

    @Override
    public void close() {
        for (BpfMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
