package org.bpf4j.jit;

import java.lang.invoke.MethodHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A program compiled to hidden classes: its entry, and a method handle for each function compiled
 * so far. Functions that only a computed address reaches ({@code callx} or a helper callback into
 * the middle of code) are compiled on first use. Thread-safe; holds no reference to the
 * {@link org.bpf4j.vm.VmProgram}, so the classes go when the program goes.
 */
final class CompiledProgram {
    private final Jit jit;
    private final ProgramImage img;
    private final ConcurrentHashMap<FunctionPlan.Variant, MethodHandle> functions = new ConcurrentHashMap<>();
    private final JitFunction entry;
    private final UnitCompiler.Stats stats;
    /** The program, for functions left to the interpreter (weak: the program owns this, not the reverse). */
    private final java.lang.ref.WeakReference<org.bpf4j.vm.VmProgram> program;
    /** Entry slots of the functions left to the interpreter so far. */
    private final java.util.Set<Integer> interpreted = ConcurrentHashMap.newKeySet();

    CompiledProgram(Jit jit, ProgramImage img, org.bpf4j.vm.VmProgram program) {
        this.jit = jit;
        this.img = img;
        this.program = new java.lang.ref.WeakReference<>(program);
        UnitCompiler.Unit unit = UnitCompiler.compile(jit, img, this, roots(img), true);
        functions.putAll(unit.functions());
        interpreted.addAll(unit.interpreted());
        this.entry = unit.first();
        this.stats = unit.stats();
    }

    /** The program (for the interpreter); it is alive while its compiled code runs. */
    org.bpf4j.vm.VmProgram program() {
        org.bpf4j.vm.VmProgram p = program.get();
        if (p == null) {
            throw new IllegalStateException("program " + img.name + " was unloaded while its code ran");
        }
        return p;
    }

    /** Entry slots of the functions that run on the interpreter, in order. */
    java.util.List<Integer> interpretedFunctions() {
        return interpreted.stream().sorted().toList();
    }

    /** The size of the code compiled when the program was prepared. */
    UnitCompiler.Stats stats() {
        return stats;
    }

    /** The entry function, the functions that code addresses name (likely callbacks). */
    static List<FunctionPlan.Variant> roots(ProgramImage img) {
        List<FunctionPlan.Variant> roots = new ArrayList<>();
        roots.add(new FunctionPlan.Variant(0, false, true));
        for (int target : img.codeAddressTargets()) {
            roots.add(new FunctionPlan.Variant(target, true, true));
        }
        return roots;
    }

    Jit jit() {
        return jit;
    }

    /** The entry function (slot 0, R10 the frame pointer of depth 0). */
    JitFunction entry() {
        return entry;
    }

    int slotCount() {
        return img.slots;
    }

    /** Whether some loads read the input's segment ({@link AccessPlan#INPUT_SEGMENT}). */
    boolean usesInputSegment() {
        return img.access.usesInputSegment();
    }

    /** Whether some accesses are compiled without checks, from the verifier's facts. */
    boolean hasUncheckedAccesses() {
        return img.access.any();
    }

    boolean isInstructionStart(int slot) {
        return img.isInstructionStart(slot);
    }

    /**
     * The function at a slot in call form: it returns R0 and leaves R1-R5, the budget and its exit
     * slot in the state. {@code r10Known} says whether R10 is the frame pointer of the depth it
     * runs at (not so after a tail call from a function that moved R10).
     */
    MethodHandle function(int slot, boolean callMode, boolean r10Known) {
        FunctionPlan.Variant v = new FunctionPlan.Variant(slot, callMode, r10Known);
        MethodHandle h = functions.get(v);
        if (h != null) {
            return h;
        }
        return functions.computeIfAbsent(v, k -> {
            UnitCompiler.Unit unit = UnitCompiler.compile(jit, img, this, List.of(k), true);
            interpreted.addAll(unit.interpreted());
            return unit.functions().get(k);
        });
    }
}
