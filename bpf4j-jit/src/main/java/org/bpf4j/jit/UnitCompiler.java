package org.bpf4j.jit;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.MethodModel;
import java.lang.classfile.TypeKind;
import java.lang.classfile.constantpool.LoadableConstantEntry;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.constant.ClassDesc;
import java.lang.constant.ConstantDescs;
import java.lang.constant.DynamicCallSiteDesc;
import java.lang.constant.DynamicConstantDesc;
import java.lang.constant.MethodTypeDesc;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Compiles a set of functions (the roots, and every function they call) into hidden classes:
 * plans each function, splits the large ones into chunks with a dispatching root, packs the
 * methods into classes under the constant pool's limits, builds them with
 * {@code java.lang.classfile}, checks every method against HotSpot's 8,000-byte limit, and
 * defines the classes so that they can be unloaded with the program.
 */
final class UnitCompiler {
    private UnitCompiler() {}

    /** HotSpot's {@code HugeMethodLimit}: larger methods are never compiled to native code. */
    static final int HUGE_METHOD_LIMIT = 8_000;
    /** Chunks one dispatcher method switches over. */
    private static final int DISPATCH_GROUP = 256;
    /** Constant pool entries a class may use (the format allows 65,535). */
    private static final int CONSTANT_BUDGET = 40_000;
    private static final int METHODS_PER_CLASS = 2_000;
    /**
     * A function whose generated method is over HotSpot's limit is planned again with a target
     * three quarters as large, down to this; below it, the fallback policy decides.
     */
    private static final int MIN_RETRY_LIMIT = 1_000;

    private static final MethodHandles.Lookup LOOKUP = MethodHandles.lookup();
    private static final ClassFile CLASS_FILE = ClassFile.of(ClassFile.StackMapsOption.DROP_STACK_MAPS, ClassFile.ClassHierarchyResolverOption.of(
            ClassHierarchyResolver.defaultResolver().orElse(
                    ClassHierarchyResolver.ofClassLoading(UnitCompiler.class.getClassLoader()))));
    private static final MethodTypeDesc DISPATCH = Descs.CHUNK;

    /** A compiled unit: a method handle per compiled function, the entry of its first root, its class files. */
    record Unit(Map<FunctionPlan.Variant, MethodHandle> functions, JitFunction first, List<byte[]> classFiles,
            Stats stats, java.util.Set<Integer> interpreted) {}

    /** What a unit became: classes, methods and the largest method's bytecode size. */
    record Stats(int classes, int methods, int largestMethod) {}

    private record MethodSpec(String name, MethodTypeDesc type, int constants,
            BiConsumer<CodeBuilder, UnitContext> body) {}

    /**
     * Compiles the roots and their callees. With {@code define} false, only builds the class files
     * (for listings).
     *
     * @throws JitCompilationException if a function cannot be compiled
     */
    static Unit compile(Jit jit, ProgramImage img, CompiledProgram owner, List<FunctionPlan.Variant> roots,
            boolean define) {
        java.util.Set<FunctionPlan.Variant> interpreted = new java.util.HashSet<>();
        Map<FunctionPlan.Variant, Integer> limits = new HashMap<>();
        for (;;) {
            Map<FunctionPlan.Variant, FunctionPlan> plans = plan(jit, img, roots, interpreted, limits);
            List<MethodSpec> specs = new ArrayList<>();
            for (Map.Entry<FunctionPlan.Variant, FunctionPlan> e : plans.entrySet()) {
                FunctionPlan.Variant v = e.getKey();
                if (interpreted.contains(v)) {
                    specs.add(new MethodSpec(v.methodName(), Descs.FUNCTION, 16, (cb, u) -> emitInterpreted(cb, v, u)));
                } else {
                    specs.addAll(methods(img, e.getValue()));
                }
            }
            List<List<MethodSpec>> classes = new ArrayList<>();
            List<byte[]> files = build(img, roots, specs, classes);
            Stats stats;
            try {
                stats = check(img, files);
            } catch (MethodTooLarge e) {
                FunctionPlan.Variant v = variantOf(plans.keySet(), e.method);
                int smaller = v == null ? 0 : limits.getOrDefault(v, jit.methodLimit()) * 3 / 4;
                if (smaller >= MIN_RETRY_LIMIT) {
                    // the estimates fell short: plan that function again with smaller chunks
                    limits.put(v, smaller);
                    continue;
                }
                if (jit.fallback() == Jit.Fallback.FAIL || v == null || !interpreted.add(v)) {
                    throw new JitCompilationException(e.getMessage());
                }
                continue; // that function runs on the interpreter; compile the rest again
            }
            java.util.Set<Integer> slots = new java.util.TreeSet<>();
            for (FunctionPlan.Variant v : interpreted) {
                slots.add(v.entry());
            }
            if (!define) {
                return new Unit(Map.of(), null, files, stats, slots);
            }
            return define(img, owner, plans, classes, files, stats, slots);
        }
    }

    /** Packs the methods into classes and builds them; fills {@code classes} with each class's methods. */
    private static List<byte[]> build(ProgramImage img, List<FunctionPlan.Variant> roots, List<MethodSpec> specs,
            List<List<MethodSpec>> classes) {
        Map<String, Integer> classOf = new HashMap<>();
        List<MethodSpec> current = new ArrayList<>();
        int constants = 0;
        for (MethodSpec m : specs) {
            if (!current.isEmpty() && (constants + m.constants() > CONSTANT_BUDGET || current.size() >= METHODS_PER_CLASS)) {
                classes.add(current);
                current = new ArrayList<>();
                constants = 0;
            }
            current.add(m);
            constants += m.constants();
            classOf.put(m.name(), classes.size());
        }
        classes.add(current);
        String base = "org.bpf4j.jit.Bpf_" + sanitize(img.name);
        List<byte[]> files = new ArrayList<>();
        String firstRoot = roots.getFirst().methodName();
        for (int k = 0; k < classes.size(); k++) {
            ClassDesc self = ClassDesc.of(base + "_" + k);
            files.add(build(self, k, classes.get(k), classOf, k == 0 ? firstRoot : null));
        }
        return files;
    }

    /** The function a generated method belongs to (method names are the function's, plus a suffix after '_'). */
    private static FunctionPlan.Variant variantOf(java.util.Set<FunctionPlan.Variant> variants, String method) {
        int cut = method.indexOf('_');
        String name = cut < 0 ? method : method.substring(0, cut);
        for (FunctionPlan.Variant v : variants) {
            if (v.methodName().equals(name)) {
                return v;
            }
        }
        return null;
    }

    /**
     * The method of a function left to the interpreter: hands its arguments to
     * {@link JitRuntime#interpret}, which runs it as a callee and hands back what a compiled function would.
     */
    private static void emitInterpreted(CodeBuilder cb, FunctionPlan.Variant v, UnitContext u) {
        cb.aload(0);
        cb.ldc(u.program());
        for (int i = 0; i <= 11; i++) {
            cb.lload(1 + 2 * i);
        }
        cb.iload(25);
        cb.loadConstant(v.entry());
        cb.invokestatic(Descs.JIT_RUNTIME, "interpret", Descs.INTERPRET);
        cb.lreturn();
    }

    private static Map<FunctionPlan.Variant, FunctionPlan> plan(Jit jit, ProgramImage img,
            List<FunctionPlan.Variant> roots, java.util.Set<FunctionPlan.Variant> interpreted,
            Map<FunctionPlan.Variant, Integer> limits) {
        Map<FunctionPlan.Variant, FunctionPlan> plans = new LinkedHashMap<>();
        Deque<FunctionPlan.Variant> work = new ArrayDeque<>(roots);
        while (!work.isEmpty()) {
            FunctionPlan.Variant v = work.removeFirst();
            if (plans.containsKey(v)) {
                continue;
            }
            if (interpreted.contains(v)) {
                plans.put(v, null); // its callees run on the interpreter with it
                continue;
            }
            FunctionPlan p = new FunctionPlan(img, v, limits.getOrDefault(v, jit.methodLimit()));
            if (p.instructionCount > jit.maxFunctionInstructions()) {
                String why = "program " + img.name + ", function at instruction " + v.entry()
                        + ": " + p.instructionCount + " instructions, more than the JIT compiles in one function ("
                        + jit.maxFunctionInstructions() + ")";
                if (jit.fallback() == Jit.Fallback.FAIL) {
                    throw new JitCompilationException(why);
                }
                interpreted.add(v);
                plans.put(v, null);
                continue;
            }
            plans.put(v, p);
            for (int callee : p.callees) {
                work.add(new FunctionPlan.Variant(callee, true, true));
            }
        }
        return plans;
    }

    private static int constantsOf(ProgramImage img, List<FunctionPlan.Block> blocks) {
        int n = 64;
        for (FunctionPlan.Block b : blocks) {
            n += 3 * (b.end() - b.start());
        }
        return n;
    }

    private static List<MethodSpec> methods(ProgramImage img, FunctionPlan p) {
        String name = p.variant.methodName();
        List<MethodSpec> out = new ArrayList<>();
        if (p.chunks == null) {
            out.add(new MethodSpec(name, Descs.FUNCTION, constantsOf(img, p.blocks),
                    (cb, u) -> MethodEmitter.emitFunction(cb, img, p, u)));
            return out;
        }
        int groups = (p.chunks.size() + DISPATCH_GROUP - 1) / DISPATCH_GROUP;
        out.add(new MethodSpec(name, Descs.FUNCTION, 64 + p.chunks.size(), (cb, u) -> emitRoot(cb, p, u, groups)));
        if (groups > 1) {
            for (int g = 0; g < groups; g++) {
                final int group = g;
                out.add(new MethodSpec(name + "_d" + g, DISPATCH, 16 + 2 * DISPATCH_GROUP,
                        (cb, u) -> emitDispatch(cb, p, u, group)));
            }
        }
        for (FunctionPlan.Chunk c : p.chunks) {
            out.add(new MethodSpec(chunkName(p, c.index()), Descs.CHUNK, constantsOf(img, c.blocks()),
                    (cb, u) -> MethodEmitter.emitChunk(cb, img, p, c, u)));
        }
        return out;
    }

    private static String chunkName(FunctionPlan p, int index) {
        return p.variant.methodName() + "_" + index;
    }

    /**
     * The root of a split function: moves the arguments into the register array, then runs chunk
     * after chunk, each returning the target number of the next, until one returns
     * {@link MethodEmitter#EXITED}.
     */
    private static void emitRoot(CodeBuilder cb, FunctionPlan p, UnitContext u, int groups) {
        int regs = 26;
        int next = 27;
        cb.loadConstant(MethodEmitter.REGISTER_ARRAY_LENGTH);
        cb.newarray(TypeKind.LONG);
        cb.astore(regs);
        for (int i = 0; i <= 11; i++) {
            cb.aload(regs);
            cb.loadConstant(i);
            cb.lload(1 + 2 * i);
            cb.lastore();
        }
        cb.loadConstant(MethodEmitter.targetId(p, p.variant.entry()));
        cb.istore(next);
        List<java.lang.classfile.attribute.StackMapFrameInfo.VerificationTypeInfo> locals = new ArrayList<>();
        locals.add(Frames.object(Descs.JIT_STATE));
        for (int i = 0; i <= 11; i++) {
            locals.add(Frames.LONG);
        }
        locals.add(Frames.INT);
        locals.add(Frames.object(Descs.LONG_ARRAY));
        locals.add(Frames.INT);
        Frames frames = new Frames(locals);
        Label loop = cb.newLabel();
        frames.bind(cb, loop);
        Label done = cb.newLabel();
        cb.iload(next);
        cb.iflt(done);
        if (groups == 1) {
            List<SwitchCase> cases = new ArrayList<>();
            List<Label> labels = new ArrayList<>();
            for (FunctionPlan.Chunk c : p.chunks) {
                Label l = cb.newLabel();
                labels.add(l);
                cases.add(SwitchCase.of(c.index(), l));
            }
            cb.iload(next);
            cb.loadConstant(16);
            cb.iushr();
            cb.tableswitch(0, p.chunks.size() - 1, labels.getFirst(), cases);
            for (FunctionPlan.Chunk c : p.chunks) {
                frames.bind(cb, labels.get(c.index()));
                cb.aload(0);
                cb.aload(regs);
                cb.iload(next);
                cb.loadConstant(0xffff);
                cb.iand();
                cb.iload(25);
                u.invoke(cb, chunkName(p, c.index()), Descs.CHUNK);
                cb.istore(next);
                cb.goto_(loop);
            }
        } else {
            List<SwitchCase> cases = new ArrayList<>();
            List<Label> labels = new ArrayList<>();
            for (int g = 0; g < groups; g++) {
                Label l = cb.newLabel();
                labels.add(l);
                cases.add(SwitchCase.of(g, l));
            }
            cb.iload(next);
            cb.loadConstant(24);
            cb.iushr();
            cb.tableswitch(0, groups - 1, labels.getFirst(), cases);
            for (int g = 0; g < groups; g++) {
                frames.bind(cb, labels.get(g));
                cb.aload(0);
                cb.aload(regs);
                cb.iload(next);
                cb.iload(25);
                u.invoke(cb, p.variant.methodName() + "_d" + g, DISPATCH);
                cb.istore(next);
                cb.goto_(loop);
            }
        }
        frames.bind(cb, done);
        cb.aload(regs);
        cb.iconst_0();
        cb.laload();
        cb.lreturn();
        frames.write(cb);
    }

    /** One group of a dispatcher with more chunks than one switch should hold. */
    private static void emitDispatch(CodeBuilder cb, FunctionPlan p, UnitContext u, int group) {
        int first = group * DISPATCH_GROUP;
        int last = Math.min(p.chunks.size(), first + DISPATCH_GROUP) - 1;
        List<SwitchCase> cases = new ArrayList<>();
        List<Label> labels = new ArrayList<>();
        for (int c = first; c <= last; c++) {
            Label l = cb.newLabel();
            labels.add(l);
            cases.add(SwitchCase.of(c, l));
        }
        cb.iload(2);
        cb.loadConstant(16);
        cb.iushr();
        cb.tableswitch(first, last, labels.getFirst(), cases);
        Frames frames = new Frames(List.of(Frames.object(Descs.JIT_STATE), Frames.object(Descs.LONG_ARRAY), Frames.INT,
                Frames.INT));
        for (int c = first; c <= last; c++) {
            frames.bind(cb, labels.get(c - first));
            cb.aload(0);
            cb.aload(1);
            cb.iload(2);
            cb.loadConstant(0xffff);
            cb.iand();
            cb.iload(3);
            u.invoke(cb, chunkName(p, c), Descs.CHUNK);
            cb.ireturn();
        }
        frames.write(cb);
    }

    private static byte[] build(ClassDesc self, int index, List<MethodSpec> methods, Map<String, Integer> classOf,
            String firstRoot) {
        // The class's constant pool (set when the class builder starts), for its class data entries.
        java.lang.classfile.constantpool.ConstantPoolBuilder[] pool = new java.lang.classfile.constantpool.ConstantPoolBuilder[1];
        java.util.BitSet stubs = new java.util.BitSet(); // the helpers whose stubs the class's code calls
        UnitContext ctx = new UnitContext() {
            final Map<Integer, LoadableConstantEntry> constants = new HashMap<>();

            @Override
            public void invoke(CodeBuilder cb, String method, MethodTypeDesc type) {
                Integer owner = classOf.get(method);
                if (owner == null) {
                    throw new IllegalStateException("no method " + method + " in the unit");
                }
                if (owner == index) {
                    cb.invokestatic(self, method, type);
                } else {
                    cb.invokedynamic(DynamicCallSiteDesc.of(Descs.LINK, method, type));
                }
            }

            @Override
            public void invokeHelperStub(CodeBuilder cb, int i) {
                stubs.set(i);
                cb.invokestatic(self, "h" + i, Descs.HELPER_STUB);
            }

            @Override
            public LoadableConstantEntry helper(int i) {
                return classData(2 + i, Descs.HELPER);
            }

            @Override
            public LoadableConstantEntry program() {
                return classData(1, Descs.COMPILED_PROGRAM);
            }

            private LoadableConstantEntry classData(int index, ClassDesc type) {
                return constants.computeIfAbsent(index, k -> pool[0].loadableConstantEntry(DynamicConstantDesc.ofNamed(
                        ConstantDescs.BSM_CLASS_DATA_AT, ConstantDescs.DEFAULT_NAME, type, k)));
            }
        };
        return CLASS_FILE.build(self, clb -> {
            pool[0] = clb.constantPool();
            clb.withFlags(ClassFile.ACC_FINAL | ClassFile.ACC_SYNTHETIC);
            clb.withSuperclass(ConstantDescs.CD_Object);
            if (firstRoot != null) {
                clb.withInterfaceSymbols(Descs.JIT_FUNCTION);
                clb.withMethodBody(ConstantDescs.INIT_NAME, ConstantDescs.MTD_void, ClassFile.ACC_PUBLIC, cb -> {
                    cb.aload(0);
                    cb.invokespecial(ConstantDescs.CD_Object, ConstantDescs.INIT_NAME, ConstantDescs.MTD_void);
                    cb.return_();
                });
                clb.withMethodBody("call", Descs.FUNCTION, ClassFile.ACC_PUBLIC, cb -> {
                    cb.aload(1);
                    for (int i = 0; i <= 11; i++) {
                        cb.lload(2 + 2 * i);
                    }
                    cb.iload(26);
                    ctx.invoke(cb, firstRoot, Descs.FUNCTION);
                    cb.lreturn();
                });
            }
            for (MethodSpec m : methods) {
                clb.withMethodBody(m.name(), m.type(), ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC,
                        cb -> m.body().accept(cb, ctx));
            }
            for (int i = stubs.nextSetBit(0); i >= 0; i = stubs.nextSetBit(i + 1)) {
                int helper = i;
                clb.withMethodBody("h" + i, Descs.HELPER_STUB, ClassFile.ACC_PRIVATE | ClassFile.ACC_STATIC,
                        cb -> InstructionEmitter.emitHelperStub(cb, ctx, helper));
            }
        });
    }

    /** A generated method over HotSpot's limit, and which. */
    private static final class MethodTooLarge extends RuntimeException {
        final String method;

        MethodTooLarge(String method, String message) {
            super(message, null, false, false);
            this.method = method;
        }
    }

    /**
     * Test hook: the compiled methods of the function of this method name are reported too large,
     * as if their code were (real code stays under the limit by construction).
     */
    static volatile String tooLargeForTests;

    /** Refuses any method over HotSpot's limit (the estimates should make this impossible). */
    private static Stats check(ProgramImage img, List<byte[]> files) {
        int methods = 0;
        int largest = 0;
        for (byte[] f : files) {
            ClassModel cm = CLASS_FILE.parse(f);
            for (MethodModel mm : cm.methods()) {
                int length = mm.findAttribute(Attributes.code()).map(c -> c.codeLength()).orElse(0);
                String hook = tooLargeForTests;
                String name = mm.methodName().stringValue();
                if (hook != null && length > 100 && (name.equals(hook) || name.startsWith(hook + "_"))) {
                    length = HUGE_METHOD_LIMIT + 1; // a stub of an interpreted function is shorter than 100 bytes
                }
                methods++;
                largest = Math.max(largest, length);
                if (length > HUGE_METHOD_LIMIT) {
                    throw new MethodTooLarge(mm.methodName().stringValue(), "program " + img.name
                            + ": generated method " + mm.methodName().stringValue() + " has " + length
                            + " bytes of bytecode, more than " + HUGE_METHOD_LIMIT);
                }
            }
        }
        return new Stats(files.size(), methods, largest);
    }

    private static Unit define(ProgramImage img, CompiledProgram owner, Map<FunctionPlan.Variant, FunctionPlan> plans,
            List<List<MethodSpec>> classes, List<byte[]> files, Stats stats, java.util.Set<Integer> interpreted) {
        Linkage linkage = new Linkage();
        List<Object> data = new ArrayList<>();
        data.add(linkage);
        data.add(owner);
        data.addAll(img.helpers);
        List<Object> classData = List.copyOf(data);
        List<MethodHandles.Lookup> lookups = new ArrayList<>();
        try {
            for (int k = 0; k < files.size(); k++) {
                MethodHandles.Lookup lk = LOOKUP.defineHiddenClassWithClassData(files.get(k), classData, true);
                lookups.add(lk);
                for (MethodSpec m : classes.get(k)) {
                    linkage.define(m.name(), lk);
                }
            }
            Map<FunctionPlan.Variant, MethodHandle> functions = new HashMap<>();
            MethodType type = MethodType.methodType(long.class, JitState.class, long.class, long.class, long.class,
                    long.class, long.class, long.class, long.class, long.class, long.class, long.class, long.class,
                    long.class, int.class);
            for (FunctionPlan.Variant v : plans.keySet()) {
                functions.put(v, linkage.find(v.methodName(), type));
            }
            MethodHandles.Lookup first = lookups.getFirst();
            JitFunction entry = (JitFunction) first.findConstructor(first.lookupClass(),
                    MethodType.methodType(void.class)).invoke();
            return new Unit(Map.copyOf(functions), entry, files, stats, java.util.Set.copyOf(interpreted));
        } catch (JitCompilationException e) {
            throw e;
        } catch (Throwable e) {
            throw new JitCompilationException("program " + img.name + ": the JVM refused the generated code: " + e, e);
        }
    }

    private static String sanitize(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < 40; i++) {
            char c = name.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 ? c : '_');
        }
        return b.isEmpty() ? "program" : b.toString();
    }
}
