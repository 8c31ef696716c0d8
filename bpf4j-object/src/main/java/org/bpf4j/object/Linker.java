package org.bpf4j.object;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.object.Functions.Function;
import org.bpf4j.object.Functions.Reloc;
import org.bpf4j.object.btf.BtfExt;
import org.bpf4j.object.btf.CoreRelocation;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.SectionNames;

/**
 * Links programs as libbpf does: each program's own instructions, then every function it calls or
 * takes the address of, appended depth-first on first use, with call and code-address offsets
 * rewritten for the new layout. Map loads become {@code MAP_BY_INDEX} / {@code MAP_VALUE_BY_INDEX}
 * {@code lddw}s, extern calls kfunc calls; function info, line info and CO-RE relocations follow
 * their instructions.
 *
 * <p>Programs are the functions of every code section but {@code .text}, whose functions are
 * subprograms; an object whose only code section is {@code .text} (the test objects of the PREVAIL
 * verifier, hand-written assembly) has its {@code .text} functions as programs, as a loader of such
 * objects must.
 */
final class Linker {
    /** The kernel's limit on a program's length ({@code BPF_COMPLEXITY_LIMIT_INSNS}). */
    static final int MAX_PROGRAM_SLOTS = 1_000_000;
    /** A bound on all linked programs together, so that a hostile object cannot exhaust memory. */
    static final long MAX_TOTAL_SLOTS = 64_000_000;

    private long totalSlots;
    private final ObjectContext ctx;
    private final Functions functions;
    private final BtfExt ext;
    private final List<MapSpec> maps;
    private final String license;
    private final int kernelVersion;

    Linker(ObjectContext ctx, Functions functions, BtfExt ext, List<MapSpec> maps, String license, int kernelVersion) {
        this.ctx = ctx;
        this.functions = functions;
        this.ext = ext;
        this.maps = maps;
        this.license = license;
        this.kernelVersion = kernelVersion;
    }

    List<ProgramSpec> linkAll() {
        boolean textOnly = functions.bySection().keySet().stream().allMatch(i -> i == functions.textIndex());
        List<ProgramSpec> out = new ArrayList<>();
        for (Map.Entry<Integer, List<Function>> e : functions.bySection().entrySet()) {
            if (e.getKey() == functions.textIndex() && !textOnly) {
                continue;
            }
            for (Function f : e.getValue()) {
                out.add(link(f));
            }
        }
        return out;
    }

    private final class State {
        final List<Instruction> insns = new ArrayList<>();
        final Map<Function, Integer> slotOf = new IdentityHashMap<>();
        final Map<Function, Integer> positionOf = new IdentityHashMap<>();
        final List<Subprogram> subprograms = new ArrayList<>();
        final List<MapReference> mapRefs = new ArrayList<>();
        final List<ExternReference> externRefs = new ArrayList<>();
        final List<FuncInfo> funcInfos = new ArrayList<>();
        final List<LineInfo> lineInfos = new ArrayList<>();
        final List<CoreRelocation> coreRelos = new ArrayList<>();
        int slots;

        void place(Function f, boolean main) {
            slotOf.put(f, slots);
            positionOf.put(f, insns.size());
            if (!main) {
                subprograms.add(new Subprogram(f.name, slots, f.slots));
            }
            insns.addAll(f.insns);
            int delta = slots - f.startSlot;
            String sec = f.section.name();
            for (FuncInfo i : ext.funcInfos(sec)) {
                if (inside(f, i.slot())) {
                    funcInfos.add(i.shift(delta));
                }
            }
            for (LineInfo i : ext.lineInfos(sec)) {
                if (inside(f, i.slot())) {
                    lineInfos.add(i.shift(delta));
                }
            }
            for (CoreRelocation i : ext.coreRelocations(sec)) {
                if (inside(f, i.slot())) {
                    coreRelos.add(i.shift(delta));
                }
            }
            slots += f.slots;
        }
    }

    private static boolean inside(Function f, int sectionSlot) {
        return sectionSlot >= f.startSlot && sectionSlot < f.startSlot + f.slots;
    }

    private String where(Function f) {
        return "section '" + f.section.name() + "': function '" + f.name + "'";
    }

    /** A program that cannot be loaded: its size and the reason, no instructions. */
    private ProgramSpec defective(Function main, String defect) {
        return new ProgramSpec(main.name, main.section.name(), SectionNames.resolve(main.section.name()), Code.of(),
                main.slots, List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), license, kernelVersion,
                main.global, Optional.of(defect));
    }

    private ProgramSpec link(Function main) {
        totalSlots += main.slots;
        if (main.defect == null) {
            main.defect = jumpFault(main);
        }
        if (main.defect != null) {
            return defective(main, main.defect);
        }
        State st = new State();
        st.place(main, true);
        Deque<int[]> stack = new ArrayDeque<>();
        List<Function> frames = new ArrayList<>();
        frames.add(main);
        stack.push(new int[] {0, 0});
        while (!stack.isEmpty()) {
            int[] frame = stack.peek();
            Function f = frames.get(frame[0]);
            if (frame[1] == f.insns.size()) {
                stack.pop();
                continue;
            }
            int pos = frame[1]++;
            int slot = slotInFunction(f, pos);
            Instruction insn = f.insns.get(pos);
            Reloc reloc = f.relocs.get(slot);
            int at = st.slotOf.get(f) + slot;
            int outPos = st.positionOf.get(f) + pos;
            Function target = null;
            boolean call = false;
            if (reloc instanceof Reloc.Call c) {
                target = target(f, slot, c.section(), c.slot(), c.symbol());
                call = true;
            } else if (reloc instanceof Reloc.CodeAddress c) {
                target = target(f, slot, c.section(), c.slot(), c.symbol());
            } else if (reloc == null && insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL) {
                target = target(f, slot, f.section.index(), (long) f.startSlot + slot + c.imm() + 1, "");
                call = true;
            } else if (reloc == null && insn instanceof Instruction.LoadImm64 l && l.kind() == Imm64Kind.CODE_ADDRESS) {
                throw ctx.error(where(f) + ": instruction " + slot + " loads a code address without a relocation");
            }
            if (target != null) {
                if (target.defect == null) {
                    target.defect = jumpFault(target);
                }
                if (target.defect != null) {
                    return defective(main, "instruction " + slot + " of '" + f.name + "' calls or takes the address "
                            + "of '" + target.name + "', which cannot be loaded: " + target.defect);
                }
                if (!st.slotOf.containsKey(target)) {
                    if ((long) st.slots + target.slots > MAX_PROGRAM_SLOTS) {
                        throw ctx.error(where(main) + ": more than " + MAX_PROGRAM_SLOTS
                                + " instructions with its subprograms, the kernel's limit");
                    }
                    totalSlots += target.slots;
                    if (totalSlots > MAX_TOTAL_SLOTS) {
                        throw ctx.error("the linked programs together exceed " + MAX_TOTAL_SLOTS + " instructions");
                    }
                    st.place(target, false);
                    frames.add(target);
                    stack.push(new int[] {frames.size() - 1, 0});
                }
                int imm = st.slotOf.get(target) - at - 1;
                Instruction fixed = call ? new Instruction.Call(CallKind.LOCAL, imm, (short) 0)
                        : new Instruction.LoadImm64(((Instruction.LoadImm64) insn).dst(), Imm64Kind.CODE_ADDRESS, imm, 0);
                st.insns.set(outPos, fixed);
                continue;
            }
            switch (reloc) {
                case null -> {
                }
                case Reloc.MapLoad m -> {
                    Instruction.LoadImm64 l = (Instruction.LoadImm64) insn;
                    MapSpec spec = maps.get(m.mapIndex());
                    boolean value = m.kind() == MapReference.Kind.VALUE;
                    st.insns.set(outPos, new Instruction.LoadImm64(l.dst(),
                            value ? Imm64Kind.MAP_VALUE_BY_INDEX : Imm64Kind.MAP_BY_INDEX, m.mapIndex(),
                            value ? (int) m.offset() : 0));
                    st.mapRefs.add(new MapReference(at, m.mapIndex(), spec.name(), m.kind(), (int) m.offset()));
                }
                case Reloc.Extern x -> {
                    if (insn instanceof Instruction.LoadImm64 l) {
                        st.insns.set(outPos, new Instruction.LoadImm64(l.dst(), Imm64Kind.VARIABLE_ADDRESS, 0, 0));
                    } else {
                        st.insns.set(outPos, new Instruction.Call(CallKind.KFUNC, 0, (short) 0));
                    }
                    st.externRefs.add(new ExternReference(at, x.name(), x.kind(), x.btfTypeId(), x.weak(),
                            x.declared()));
                }
                case Reloc.Call c -> throw new AssertionError();
                case Reloc.CodeAddress c -> throw new AssertionError();
            }
        }
        Code code;
        try {
            code = Code.of(st.insns);
        } catch (MalformedInputException e) {
            throw ctx.error(where(main) + ": after linking: " + e.getMessage());
        }
        return new ProgramSpec(main.name, main.section.name(), SectionNames.resolve(main.section.name()), code,
                main.slots, st.subprograms, st.mapRefs, st.externRefs, st.funcInfos, st.lineInfos, st.coreRelos,
                license, kernelVersion, main.global, Optional.empty());
    }

    private static int slotInFunction(Function f, int pos) {
        return f.slotOfPosition[pos];
    }

    private Function target(Function f, int slot, int section, long targetSlot, String symbol) {
        boolean allowed = section == functions.textIndex() || section == f.section.index();
        Optional<Function> t = functions.startingAt(section, targetSlot);
        String what = symbol.isEmpty() ? "" : " ('" + symbol + "')";
        if (t.isEmpty()) {
            throw ctx.error(where(f) + ": instruction " + slot + " calls or takes the address of slot " + targetSlot
                    + " of section '" + ctx.sectionName(section) + "'" + what + ", where no function starts");
        }
        if (!allowed) {
            throw ctx.error(where(f) + ": instruction " + slot + " calls function '" + t.get().name
                    + "' in section '" + ctx.sectionName(section) + "'; subprograms must be in .text");
        }
        return t.get();
    }

    /**
     * A jump that leaves its function or lands inside an {@code lddw}, described, or null. libbpf
     * copies such a jump and the kernel's verifier refuses it, so it makes the program defective
     * rather than the object unreadable.
     */
    private String jumpFault(Function f) {
        int slot = 0;
        for (Instruction insn : f.insns) {
            long target = switch (insn) {
                case Instruction.Jump j -> slot + 1L + j.off();
                case Instruction.Goto g -> slot + 1L + g.offset();
                default -> -2;
            };
            if (target != -2 && (target < 0 || target >= f.slots || f.positionOfSlot[(int) target] < 0)) {
                return where(f) + ": instruction " + slot + " jumps to " + target + (target < 0
                        || target >= f.slots ? ", outside the function (" + f.slots + " instructions)"
                        : ", the second half of an lddw");
            }
            slot += insn.slots();
        }
        return null;
    }
}
