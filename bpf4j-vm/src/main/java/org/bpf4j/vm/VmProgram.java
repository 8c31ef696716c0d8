package org.bpf4j.vm;

import java.util.List;
import java.util.Objects;
import org.bpf4j.isa.Code;
import org.bpf4j.vm.map.BpfMap;

/**
 * A program loaded into the VM: its code bound to helpers and prepared by an engine. Immutable
 * and thread-safe; run it through an {@link Execution} per thread ({@link #newExecution()}).
 *
 * <p>Loading refuses, with the instruction index, anything the VM could only fail on at run time:
 * a call of a helper it does not implement, a kfunc, a map reference without maps.
 */
public final class VmProgram {
    private final String name;
    private final Code code;
    private final VmOptions options;
    private final List<BpfMap> maps;
    private final Lowering.Lowered lowered;
    private final Executable executable;

    private VmProgram(String name, Code code, List<BpfMap> maps, VmOptions options) {
        this.name = Objects.requireNonNull(name);
        this.code = Objects.requireNonNull(code);
        this.options = Objects.requireNonNull(options);
        this.maps = List.copyOf(maps);
        this.lowered = Lowering.lower(code, options.helpers(), this.maps);
        this.executable = options.engine().prepare(this);
    }

    /**
     * Loads a program that uses no maps.
     *
     * @throws org.bpf4j.UnsupportedFeatureException if the program needs what the VM lacks
     */
    public static VmProgram load(String name, Code code, VmOptions options) {
        return new VmProgram(name, code, List.of(), options);
    }

    /**
     * Loads a program with the maps its {@code lddw} instructions name: in the VM, both a map
     * index and a map "fd" are positions in {@code maps}. The program does not own the maps.
     *
     * @throws org.bpf4j.UnsupportedFeatureException if the program needs what the VM lacks
     */
    public static VmProgram load(String name, Code code, List<BpfMap> maps, VmOptions options) {
        return new VmProgram(name, code, maps, options);
    }

    /** The maps the program's {@code lddw} instructions refer to, by position. */
    public List<BpfMap> maps() {
        return maps;
    }

    /** Loads a program with {@link VmOptions#defaults()}. */
    public static VmProgram load(String name, Code code) {
        return load(name, code, VmOptions.defaults());
    }

    /** The program's name, for messages. */
    public String name() {
        return name;
    }

    /** The code as loaded. */
    public Code code() {
        return code;
    }

    /** The options it was loaded with. */
    public VmOptions options() {
        return options;
    }

    /** The helpers it was bound to. */
    public HelperRegistry helpers() {
        return options.helpers();
    }

    /** The engine's prepared form. */
    public Executable executable() {
        return executable;
    }

    /** The flat form shared by the engines. */
    Lowering.Lowered lowered() {
        return lowered;
    }

    /** A fresh execution state for this program, for one thread at a time. */
    public Execution newExecution() {
        return new Execution(this);
    }

    /**
     * Runs the program once as the conformance suite does: R1 points to a writable copy of
     * {@code memory} (which is also the packet of legacy packet loads) and R2 holds its length;
     * with no memory both are 0.
     *
     * @return R0
     * @throws VmTrapException if the program breaks a sandbox rule
     */
    public long run(byte[] memory) {
        Execution ex = newExecution();
        return ex.runWithMemory(memory);
    }
}
