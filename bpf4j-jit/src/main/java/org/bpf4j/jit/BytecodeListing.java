package org.bpf4j.jit;

import java.lang.classfile.Attributes;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassModel;
import java.lang.classfile.CodeElement;
import java.lang.classfile.Instruction;
import java.lang.classfile.MethodModel;
import java.lang.classfile.attribute.CodeAttribute;
import java.lang.classfile.instruction.BranchInstruction;
import java.lang.classfile.instruction.ConstantInstruction;
import java.lang.classfile.instruction.FieldInstruction;
import java.lang.classfile.instruction.IncrementInstruction;
import java.lang.classfile.instruction.InvokeDynamicInstruction;
import java.lang.classfile.instruction.InvokeInstruction;
import java.lang.classfile.instruction.LoadInstruction;
import java.lang.classfile.instruction.LookupSwitchInstruction;
import java.lang.classfile.instruction.NewPrimitiveArrayInstruction;
import java.lang.classfile.instruction.StoreInstruction;
import java.lang.classfile.instruction.SwitchCase;
import java.lang.classfile.instruction.TableSwitchInstruction;
import java.lang.classfile.instruction.TypeCheckInstruction;
import java.util.List;
import java.util.Locale;

/**
 * A javap-like text listing of generated class files: per method its signature and size, then
 * one line per instruction with its offset and operands (branch targets as offsets).
 */
final class BytecodeListing {
    private BytecodeListing() {}

    static String of(List<byte[]> classFiles) {
        StringBuilder out = new StringBuilder();
        for (byte[] bytes : classFiles) {
            ClassModel cm = ClassFile.of().parse(bytes);
            out.append("class ").append(cm.thisClass().asInternalName().replace('/', '.'))
                    .append(" (").append(bytes.length).append(" bytes, ")
                    .append(cm.constantPool().size()).append(" constants)\n");
            for (MethodModel mm : cm.methods()) {
                method(out, mm);
            }
            out.append('\n');
        }
        return out.toString();
    }

    private static void method(StringBuilder out, MethodModel mm) {
        CodeAttribute code = mm.findAttribute(Attributes.code()).orElse(null);
        out.append("  ").append(mm.methodName().stringValue()).append(mm.methodType().stringValue());
        if (code == null) {
            out.append('\n');
            return;
        }
        out.append("  // ").append(code.codeLength()).append(" bytes, ").append(code.maxLocals())
                .append(" locals, stack ").append(code.maxStack()).append('\n');
        int bci = 0;
        for (CodeElement e : code) {
            if (!(e instanceof Instruction insn)) {
                continue;
            }
            out.append(String.format("    %5d: %s", bci, insn.opcode().name().toLowerCase(Locale.ROOT)));
            String operands = operands(insn, code);
            if (!operands.isEmpty()) {
                out.append(' ').append(operands);
            }
            out.append('\n');
            bci += insn.sizeInBytes();
        }
    }

    private static String operands(Instruction insn, CodeAttribute code) {
        return switch (insn) {
            case LoadInstruction l -> l.opcode().sizeIfFixed() == 1 ? "" : Integer.toString(l.slot());
            case StoreInstruction s -> s.opcode().sizeIfFixed() == 1 ? "" : Integer.toString(s.slot());
            case IncrementInstruction i -> i.slot() + " " + i.constant();
            case ConstantInstruction c -> c.opcode().sizeIfFixed() == 1 ? "" : String.valueOf(c.constantValue());
            case BranchInstruction b -> Integer.toString(code.labelToBci(b.target()));
            case FieldInstruction f -> simple(f.owner().asInternalName()) + "." + f.name().stringValue() + ":"
                    + f.type().stringValue();
            case InvokeInstruction i -> simple(i.owner().asInternalName()) + "." + i.name().stringValue()
                    + i.type().stringValue();
            case InvokeDynamicInstruction i -> i.name().stringValue() + i.type().stringValue() + " (linked)";
            case TypeCheckInstruction t -> t.type().asInternalName();
            case NewPrimitiveArrayInstruction n -> n.typeKind().name().toLowerCase(Locale.ROOT);
            case TableSwitchInstruction t -> switchCases(t.cases(), code.labelToBci(t.defaultTarget()), code);
            case LookupSwitchInstruction l -> switchCases(l.cases(), code.labelToBci(l.defaultTarget()), code);
            default -> "";
        };
    }

    private static String switchCases(List<SwitchCase> cases, int defaultBci, CodeAttribute code) {
        StringBuilder b = new StringBuilder("{");
        for (SwitchCase c : cases) {
            b.append(' ').append(c.caseValue()).append(": ").append(code.labelToBci(c.target())).append(';');
        }
        return b.append(" default: ").append(defaultBci).append(" }").toString();
    }

    private static String simple(String internalName) {
        return internalName.substring(internalName.lastIndexOf('/') + 1);
    }
}
