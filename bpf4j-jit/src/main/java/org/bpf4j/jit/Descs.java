package org.bpf4j.jit;

import static java.lang.constant.ConstantDescs.CD_int;
import static java.lang.constant.ConstantDescs.CD_long;
import static java.lang.constant.ConstantDescs.CD_void;

import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DirectMethodHandleDesc;
import java.lang.constant.MethodTypeDesc;
import java.util.Collections;

/** Symbolic descriptors of the classes and methods that compiled code refers to. */
final class Descs {
    private Descs() {}

    static ClassDesc of(Class<?> c) {
        return DESCRIPTORS.get(c);
    }

    /** Descriptors by class, made once (making one builds its descriptor string again). */
    private static final ClassValue<ClassDesc> DESCRIPTORS = new ClassValue<>() {
        @Override
        protected ClassDesc computeValue(Class<?> c) {
            return c.describeConstable().orElseThrow();
        }
    };

    static final ClassDesc JIT_STATE = of(JitState.class);
    static final ClassDesc JIT_RUNTIME = of(JitRuntime.class);
    static final ClassDesc JIT_FUNCTION = of(JitFunction.class);
    static final ClassDesc COMPILED_PROGRAM = of(CompiledProgram.class);
    static final ClassDesc MEMORY = of(org.bpf4j.vm.Memory.class);
    static final ClassDesc ARITHMETIC = of(org.bpf4j.vm.Arithmetic.class);
    static final ClassDesc ATOMICS = of(org.bpf4j.vm.Atomics.class);
    static final ClassDesc ATOMIC_OP = of(org.bpf4j.isa.AtomicOp.class);
    static final ClassDesc PACKETS = of(org.bpf4j.vm.Packets.class);
    static final ClassDesc HELPER = of(org.bpf4j.vm.Helper.class);
    static final ClassDesc CALL_CONTEXT = of(org.bpf4j.vm.CallContext.class);
    static final ClassDesc EXECUTION = of(org.bpf4j.vm.Execution.class);
    static final ClassDesc TRAP = of(org.bpf4j.vm.VmTrapException.class);
    static final ClassDesc METHOD_HANDLE = ConstantDescs.CD_MethodHandle;
    static final ClassDesc LONG_ARRAY = CD_long.arrayType();
    static final ClassDesc BYTE_ARRAY = ConstantDescs.CD_byte.arrayType();
    static final ClassDesc BYTE_ARRAYS = BYTE_ARRAY.arrayType();

    /** A compiled function: {@code (state, r0..r10, budget, depth) -> r0}. */
    static final MethodTypeDesc FUNCTION = MethodTypeDesc.of(CD_long, params());
    /** A chunk of a split function: {@code (state, registers, entry, depth) -> next target}. */
    static final MethodTypeDesc CHUNK = MethodTypeDesc.of(CD_int, JIT_STATE, LONG_ARRAY, CD_int, CD_int);

    private static ClassDesc[] params() {
        ClassDesc[] p = new ClassDesc[14];
        p[0] = JIT_STATE;
        for (int i = 1; i <= 12; i++) {
            p[i] = CD_long;
        }
        p[13] = CD_int;
        return p;
    }

    static MethodTypeDesc md(ClassDesc ret, ClassDesc... params) {
        return MethodTypeDesc.of(ret, params);
    }

    static final MethodTypeDesc LOAD = md(CD_long, MEMORY, CD_long, CD_int);
    static final MethodTypeDesc STORE = md(CD_void, MEMORY, CD_long, CD_long, CD_int);
    static final MethodTypeDesc LOAD_CONTEXT = md(CD_long, MEMORY, CD_long, CD_int, CD_int);
    static final MethodTypeDesc STORE_CONTEXT = md(CD_void, MEMORY, CD_long, CD_int, CD_long, CD_int);
    static final MethodTypeDesc FRAME_LOAD = md(CD_long, BYTE_ARRAY, CD_int);
    static final MethodTypeDesc INPUT_LOAD = md(CD_long, JIT_STATE, CD_long);
    static final MethodTypeDesc FRAME_STORE = md(CD_void, BYTE_ARRAY, CD_int, CD_long);
    static final MethodTypeDesc TABLE = md(BYTE_ARRAYS);
    static final MethodTypeDesc INTERPRET = md(CD_long, JIT_STATE, COMPILED_PROGRAM, CD_long, CD_long, CD_long,
            CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_long, CD_int, CD_int);
    static final MethodTypeDesc BINARY = md(CD_long, CD_long, CD_long);
    static final MethodTypeDesc UNARY = md(CD_long, CD_long);
    static final MethodTypeDesc TRAP_AT = md(TRAP, CD_int);
    static final MethodTypeDesc FETCH = md(CD_long, MEMORY, ATOMIC_OP, CD_long, CD_long, CD_int);
    static final MethodTypeDesc CMPXCHG = md(CD_long, MEMORY, CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc LOAD_ACQUIRE = md(CD_long, MEMORY, CD_long, CD_int, CD_int);
    static final MethodTypeDesc STORE_RELEASE = md(CD_void, MEMORY, CD_long, CD_int, CD_long, CD_int);
    static final MethodTypeDesc LEGACY_LOAD = md(CD_long, BYTE_ARRAY, CD_long, CD_int);
    static final MethodTypeDesc PACKET_END = md(of(RuntimeException.class), JIT_STATE, CD_long);
    static final MethodTypeDesc CHARGE_RETURN = md(CD_long, JIT_STATE, CD_int);
    static final MethodTypeDesc CHARGE = md(CD_long, CD_long, CD_long, CD_int);
    static final MethodTypeDesc ENTER_HELPER = md(CD_void, CD_long, CD_int, CD_int, COMPILED_PROGRAM);
    /** A class's stub for one helper: {@code (state, budget, slot, depth, r1..r5) -> r0}. */
    static final MethodTypeDesc HELPER_STUB = md(CD_long, JIT_STATE, CD_long, CD_int, CD_int, CD_long, CD_long,
            CD_long, CD_long, CD_long);
    static final MethodTypeDesc HELPER_CALL = md(CD_long, CALL_CONTEXT, CD_long, CD_long, CD_long, CD_long, CD_long);
    static final MethodTypeDesc MAY_GOTO = md(java.lang.constant.ConstantDescs.CD_boolean, JIT_STATE);
    static final MethodTypeDesc TAIL_CALL = md(METHOD_HANDLE, JIT_STATE, COMPILED_PROGRAM, CD_long, CD_long, CD_int,
            CD_long, CD_int);
    static final MethodTypeDesc CALLX_TARGET = md(METHOD_HANDLE, COMPILED_PROGRAM, CD_long, CD_int);
    static final MethodTypeDesc CALLX_HELPER = md(CD_long, JIT_STATE, COMPILED_PROGRAM, CD_long, CD_int, CD_int,
            CD_long, CD_long, CD_long, CD_long, CD_long, CD_long);
    static final MethodTypeDesc CLEAR_FRAME = md(CD_void, CD_int);
    static final MethodTypeDesc FRAME_POINTER = md(CD_long, CD_int);
    static final MethodTypeDesc REGION_OF = md(CD_int, CD_long);
    static final MethodTypeDesc UNSIGNED_LONG_COMPARE = md(CD_int, CD_long, CD_long);
    static final MethodTypeDesc UNSIGNED_INT_COMPARE = md(CD_int, CD_int, CD_int);

    /** The bootstrap that links calls between the classes of one unit. */
    static final DirectMethodHandleDesc LINK = ConstantDescs.ofCallsiteBootstrap(JIT_RUNTIME, "link",
            ConstantDescs.CD_CallSite);

    static final java.util.List<ClassDesc> NONE = Collections.emptyList();
}
