package org.bpf4j.object;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.MalformedInputException;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.CoreRelocation;
import org.bpf4j.object.btf.CoreResolver;

/**
 * Applies a program's CO-RE relocations for a target BTF (the kernel's, or the VM's context
 * types), as libbpf does before loading: each relocated instruction gets the target's value in its
 * immediate ({@code mov}, {@code add}, ... with a constant; {@code lddw}) or offset (loads and
 * stores). A relocation the target cannot satisfy poisons its instruction with a call of the
 * non-existent helper {@value #POISON_HELPER} ({@code 0xbad2310}), so that the verifier reports
 * it if, and only if, the instruction is reachable. Thread-safe (no state).
 */
public final class CoreRelocator {
    /** The helper id libbpf writes into instructions whose relocation failed. */
    public static final int POISON_HELPER = 0xbad2310;

    private CoreRelocator() {
    }

    /**
     * A relocated program and what each relocation resolved to.
     *
     * @param program the program with patched code
     * @param results one result per CO-RE relocation, in order
     */
    public record Relocated(ProgramSpec program, List<CoreResolver.Result> results) {
        /** Copies the results. */
        public Relocated {
            results = List.copyOf(results);
        }
    }

    /**
     * Relocates a program of {@code object} for {@code target}.
     *
     * @throws MalformedInputException if the object has no BTF while the program has CO-RE
     *     relocations, a record does not fit its instruction, or an instruction does not hold the
     *     value the compiler computed for the local BTF
     */
    public static Relocated relocate(ObjectSpec object, ProgramSpec program, Btf target) {
        if (program.coreRelocations().isEmpty()) {
            return new Relocated(program, List.of());
        }
        Btf local = object.btf().orElseThrow(() -> new MalformedInputException(object.name() + ": program '"
                + program.name() + "' has CO-RE relocations but the object has no BTF"));
        Code code = program.code();
        List<Instruction> insns = new ArrayList<>(code.instructions());
        List<CoreResolver.Result> results = new ArrayList<>();
        List<int[]> poison = new ArrayList<>();
        for (CoreRelocation relo : program.coreRelocations()) {
            String where = object.name() + ": program '" + program.name() + "': CO-RE relocation at instruction "
                    + relo.slot();
            if (relo.slot() < 0 || relo.slot() >= code.slotCount() || code.positionAt(relo.slot()) < 0) {
                throw new MalformedInputException(where + " is not on an instruction");
            }
            CoreResolver.Result r;
            try {
                r = CoreResolver.resolve(local, relo, target);
            } catch (MalformedInputException e) {
                throw new MalformedInputException(object.name() + ": program '" + program.name() + "': "
                        + e.getMessage(), e);
            }
            results.add(r);
            int pos = code.positionAt(relo.slot());
            Instruction insn = insns.get(pos);
            checkLocal(where, insn, r.localValue(), r.validate());
            if (!r.resolved()) {
                poison.add(new int[] {pos});
                continue;
            }
            insns.set(pos, patch(where, insn, r.targetValue()));
        }
        // Poisoned instructions are replaced last, from the end, so that positions stay valid.
        poison.sort((a, b) -> Integer.compare(b[0], a[0]));
        for (int[] p : poison) {
            Instruction insn = insns.get(p[0]);
            insns.set(p[0], Instruction.Call.helper(POISON_HELPER));
            if (insn.slots() == 2) {
                insns.add(p[0] + 1, Instruction.Call.helper(POISON_HELPER));
            }
        }
        return new Relocated(program.withCode(Code.of(insns)), results);
    }

    private static long current(Instruction insn) {
        return switch (insn) {
            case Instruction.Alu a when a.src() instanceof Operand.Imm i -> i.value();
            case Instruction.Load l -> l.off();
            case Instruction.Store s -> s.off();
            case Instruction.LoadImm64 l when l.kind() == Imm64Kind.IMM64 -> l.value();
            default -> Long.MIN_VALUE;
        };
    }

    private static void checkLocal(String where, Instruction insn, long localValue, boolean validate) {
        long now = current(insn);
        if (now == Long.MIN_VALUE) {
            throw new MalformedInputException(where + ": the instruction (" + insn + ") cannot be relocated");
        }
        if (validate && now != localValue) {
            throw new MalformedInputException(where + ": the instruction holds " + now
                    + " but the object's BTF gives " + localValue);
        }
    }

    private static Instruction patch(String where, Instruction insn, long value) {
        return switch (insn) {
            case Instruction.Alu a -> {
                if (value != (int) value) {
                    throw new MalformedInputException(where + ": value " + value + " does not fit the immediate");
                }
                yield new Instruction.Alu(a.wide(), a.op(), a.dst(), Operand.imm((int) value));
            }
            case Instruction.Load l -> new Instruction.Load(l.size(), l.signExtend(), l.dst(), l.src(), offset(where,
                    value));
            case Instruction.Store s -> new Instruction.Store(s.size(), s.dst(), offset(where, value), s.src());
            case Instruction.LoadImm64 l -> Instruction.LoadImm64.of(l.dst(), value);
            default -> throw new MalformedInputException(where + ": the instruction cannot be relocated");
        };
    }

    private static short offset(String where, long value) {
        if (value != (short) value) {
            throw new MalformedInputException(where + ": offset " + value + " does not fit 16 bits");
        }
        return (short) value;
    }
}
