package org.bpf4j.jit;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.constantpool.LoadableConstantEntry;
import java.lang.constant.MethodTypeDesc;

/** What the emitter of one method needs from the compilation unit it belongs to. */
interface UnitContext {
    /** Emits a call of a method of the unit: direct within a class, linked once across classes. */
    void invoke(CodeBuilder cb, String method, MethodTypeDesc type);

    /**
     * The constant of a helper, by its index in {@link ProgramImage#helpers}: an entry of the
     * class's constant pool, made once per class (making a dynamic constant's entry again costs
     * more than the rest of an {@code ldc}).
     */
    LoadableConstantEntry helper(int index);

    /**
     * Emits a call of this class's stub for a helper ({@link Descs#HELPER_STUB}: the state, the
     * budget, the slot, the depth, R1-R5; returns R0), which the class then gets.
     */
    void invokeHelperStub(CodeBuilder cb, int index);

    /** The constant of the {@link CompiledProgram} the code belongs to (an entry made once per class). */
    LoadableConstantEntry program();
}
