package org.bpf4j.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Disassembler;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.ProgramType;

/** The listing of an object file's programs, with BTF source lines before the instructions they cover. */
final class ObjectListing {
    private ObjectListing() {}

    /** Lists every program of {@code object}, or only {@code only} when not null. */
    static String list(Path file, ObjectSpec object, String only, DisasmCommand.Syntax syntax) {
        List<ProgramSpec> programs = object.programs();
        if (only != null) {
            programs = List.of(object.program(only).orElseThrow(() -> CommandFailure.badInput(file + ": no program '"
                    + only + "'; the programs are " + String.join(", ", object.programs().stream()
                            .map(ProgramSpec::name).toList()))));
        }
        StringBuilder sb = new StringBuilder();
        for (ProgramSpec p : programs) {
            if (!sb.isEmpty()) {
                sb.append('\n');
            }
            sb.append("program ").append(p.name()).append(" (section ").append(p.sectionName()).append(", type ")
                    .append(p.programType().map(ProgramType::kernelName).orElse("unknown")).append(")\n");
            if (p.defect().isPresent()) {
                sb.append("cannot be listed: ").append(p.defect().get()).append('\n');
                continue;
            }
            Code code = p.code();
            Map<Integer, LineInfo> lines = new TreeMap<>();
            for (LineInfo l : p.lineInfos()) {
                lines.put(l.slot(), l);
            }
            if (syntax == DisasmCommand.Syntax.OBJDUMP) {
                sb.append("0000000000000000 <").append(p.name()).append(">:\n");
            }
            LineInfo last = null;
            for (int i = 0; i < code.size(); i++) {
                int slot = code.slotOf(i);
                LineInfo l = lines.get(slot);
                if (l != null && !l.sourceLine().isBlank()
                        && (last == null || last.line() != l.line() || !last.fileName().equals(l.fileName()))) {
                    sb.append("; ").append(l.sourceLine().strip()).append("   [").append(l.fileName()).append(':')
                            .append(l.line()).append("]\n");
                    last = l;
                }
                sb.append(switch (syntax) {
                    case OBJDUMP -> Disassembler.format(code.get(i), slot, p.name());
                    case ASM -> Disassembler.toAssembly(code.get(i), slot);
                }).append('\n');
            }
        }
        return sb.toString();
    }
}
