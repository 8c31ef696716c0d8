package org.bpf4j.verifier;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.bpf4j.isa.Code;
import org.bpf4j.spec.KernelTypes;
import org.bpf4j.spec.ProgramType;

/**
 * A program to verify: its code, the program type that fixes its context and helpers, the maps
 * that {@code lddw map_idx(i)} refers to (index {@code i} in {@link #maps()}; {@code map_fd(i)}
 * is read the same way), and whether its licence is GPL-compatible. Immutable.
 *
 * @param name the program's name, for messages
 * @param code the instructions, addressed by slot
 * @param type the program type
 * @param maps the maps by index
 * @param gpl whether the licence is GPL-compatible (GPL-only helpers need it)
 * @param globals the global functions (from BTF), verified on their own; empty when the program
 *     has no BTF (its functions are then all explored from their calls, as static ones)
 * @param kfuncs the name of the kernel function each kfunc call refers to, by the call's slot (an
 *     object names them by its {@code __ksym} externs; a loaded program by vmlinux BTF ids, which a
 *     loader resolves); a kfunc call with no name here is refused; likewise the kernel function
 *     or typed kernel variable whose address an {@code lddw} ({@code var_addr}) loads, by its slot
 * @param entryMemory -1 for a program that gets its context in R1 (the program type's); otherwise
 *     the program runs as the conformance suite runs programs, with R1 pointing to this many bytes
 *     of writable memory and R2 holding their number (both 0 when it is 0); see
 *     {@link #withEntryMemory(int)}
 * @param kernelTypes the kernel's types (its BTF), which calls of kfuncs that take or return
 *     kernel objects and loads through pointers to kernel objects need; {@link KernelTypes#NONE}
 *     when not given (such programs are then refused, saying so); see {@link #withKernelTypes}
 * @param attachTo for a {@link ProgramType#TRACING} program, what it attaches to as libbpf's section
 *     names say it ({@code tp_btf/sched_switch}, {@code fentry/do_unlinkat}, {@code fexit/...}):
 *     its context is then the attach point's arguments, typed from {@link #kernelTypes()};
 *     for other program types, the section name, which gives the expected attach type where the
 *     context depends on it ({@code cgroup/getsockopt}, {@code cgroup/setsockopt});
 *     {@code ""} when none (see {@link #withAttachTo})
 */
public record VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
        List<GlobalFunction> globals, Map<Integer, String> kfuncs, int entryMemory, KernelTypes kernelTypes,
        String attachTo) {
    /** Checks the components and copies the collections. */
    public VerifierInput {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(type, "type");
        maps = List.copyOf(maps);
        globals = List.copyOf(globals);
        kfuncs = Map.copyOf(kfuncs);
        if (entryMemory < -1) {
            throw new IllegalArgumentException("entry memory of " + entryMemory + " bytes");
        }
        Objects.requireNonNull(kernelTypes, "kernelTypes");
        Objects.requireNonNull(attachTo, "attachTo");
    }

    /** A program checked against the kernel's types, attached to nothing named. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
            List<GlobalFunction> globals, Map<Integer, String> kfuncs, int entryMemory, KernelTypes kernelTypes) {
        this(name, code, type, maps, gpl, globals, kfuncs, entryMemory, kernelTypes, "");
    }

    /** A program checked without the kernel's types. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
            List<GlobalFunction> globals, Map<Integer, String> kfuncs, int entryMemory) {
        this(name, code, type, maps, gpl, globals, kfuncs, entryMemory, KernelTypes.NONE);
    }

    /** A program with its context in R1. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
            List<GlobalFunction> globals, Map<Integer, String> kfuncs) {
        this(name, code, type, maps, gpl, globals, kfuncs, -1);
    }

    /** A program that calls no kernel function, with its context in R1. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl,
            List<GlobalFunction> globals) {
        this(name, code, type, maps, gpl, globals, Map.of(), -1);
    }

    /** A program without global functions or kernel functions, with its context in R1. */
    public VerifierInput(String name, Code code, ProgramType type, List<MapInfo> maps, boolean gpl) {
        this(name, code, type, maps, gpl, List.of(), Map.of(), -1);
    }

    /** The same program with another licence flag. */
    public VerifierInput withGpl(boolean newGpl) {
        return new VerifierInput(name, code, type, maps, newGpl, globals, kfuncs, entryMemory, kernelTypes, attachTo);
    }

    /**
     * The same program run as the conformance suite and {@code bpf4j run} run a program with
     * input memory: R1 points to {@code size} bytes of writable memory (a region of its own, like
     * the array map value the kernel gets through {@code BPF_PROG_TEST_RUN}'s prologue in
     * {@code MemoryProgram}) and R2 holds {@code size}; with {@code size} 0 (no memory) both are
     * 0. The program type still decides the helpers and the return value's range.
     */
    public VerifierInput withEntryMemory(int size) {
        if (size < 0) {
            throw new IllegalArgumentException("entry memory of " + size + " bytes");
        }
        return new VerifierInput(name, code, type, maps, gpl, globals, kfuncs, size, kernelTypes, attachTo);
    }

    /**
     * The same program checked against a kernel's types (from its BTF: the object model's
     * {@code BtfKernelTypes.load} for a vmlinux BTF file, or {@code BtfKernelTypes.system()}).
     */
    public VerifierInput withKernelTypes(KernelTypes types) {
        return new VerifierInput(name, code, type, maps, gpl, globals, kfuncs, entryMemory, types, attachTo);
    }

    /** The same program attached to {@code target} ({@code tp_btf/NAME}, {@code fentry/NAME}, ...; see {@link #attachTo()}). */
    public VerifierInput withAttachTo(String target) {
        return new VerifierInput(name, code, type, maps, gpl, globals, kfuncs, entryMemory, kernelTypes, target);
    }
}
