package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.object.StructOpsSpec;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSection;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j object FILE.o [--json]}: what an eBPF object file holds. */
@Command(name = "object", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Lists what an eBPF object file holds: its sections, programs (type, instructions, "
                + "source file from BTF), maps (type, key and value size, max entries) and a BTF summary.",
            "A malformed object gives one error line and exit status 2."})
final class ObjectCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "an eBPF ELF object file, as clang -target bpf writes it")
    private Path file;

    @Option(names = "--json", description = "print JSON instead of text")
    private boolean json;

    @Override
    public Integer call() {
        byte[] bytes = ProgramFile.readBytes(file);
        if (!ObjectFiles.isElf(bytes)) {
            throw CommandFailure.badInput(file + ": not an ELF object file (no ELF magic)");
        }
        ObjectSpec object = ObjectFiles.parse(file, bytes);
        List<ElfSection> sections;
        try {
            sections = ElfFile.parse(bytes, file.toString()).sections();
        } catch (Bpf4jException e) {
            throw CommandFailure.about(file.toString(), e);
        }
        Map<String, Object> doc = describe(object, sections);
        PrintWriter out = spec.commandLine().getOut();
        out.print(json ? Json.write(doc) : text(doc));
        out.flush();
        return Main.EXIT_OK;
    }

    static Map<String, Object> describe(ObjectSpec object, List<ElfSection> sections) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("file", object.name());
        doc.put("license", object.license());
        doc.put("kernel_version", object.kernelVersion());
        List<Object> secs = new ArrayList<>();
        for (ElfSection s : sections) {
            if (s.type() == Elf.SHT_NULL) {
                continue;
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("index", s.index());
            m.put("name", s.name());
            m.put("type", sectionType(s.type()));
            m.put("size", s.size());
            m.put("flags", flags(s.flags()));
            secs.add(m);
        }
        doc.put("sections", secs);
        List<Object> progs = new ArrayList<>();
        for (ProgramSpec p : object.programs()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", p.name());
            m.put("section", p.sectionName());
            m.put("type", p.programType().map(ProgramType::kernelName).orElse("unknown"));
            m.put("attach_type", p.expectedAttachType().map(AttachType::kernelName).orElse(null));
            m.put("insns", p.defect().isPresent() ? p.ownSlots() : p.code().slotCount());
            m.put("source", p.lineInfos().isEmpty() ? null : p.lineInfos().get(0).fileName());
            m.put("global", p.global());
            p.defect().ifPresent(d -> m.put("defect", d));
            progs.add(m);
        }
        doc.put("programs", progs);
        List<Object> maps = new ArrayList<>();
        for (MapSpec s : object.maps()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("type", s.typeName());
            m.put("key_size", s.keySize());
            m.put("value_size", s.valueSize());
            m.put("max_entries", s.maxEntries());
            m.put("flags", s.flags());
            m.put("section", s.sectionName());
            maps.add(m);
        }
        doc.put("maps", maps);
        if (!object.structOps().isEmpty()) {
            List<Object> ops = new ArrayList<>();
            for (StructOpsSpec o : object.structOps()) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("name", o.name());
                m.put("type", "struct " + o.typeName());
                m.put("section", o.sectionName());
                m.put("functions", new LinkedHashMap<String, Object>(o.functions()));
                ops.add(m);
            }
            doc.put("struct_ops", ops);
        }
        Map<String, Object> btf = new LinkedHashMap<>();
        btf.put("present", object.btf().isPresent());
        btf.put("types", object.btf().map(b -> b.size()).orElse(0));
        btf.put("func_info", object.programs().stream().mapToInt(p -> p.funcInfos().size()).sum());
        btf.put("line_info", object.programs().stream().mapToInt(p -> p.lineInfos().size()).sum());
        btf.put("core_relocations", object.programs().stream().mapToInt(p -> p.coreRelocations().size()).sum());
        doc.put("btf", btf);
        doc.put("warnings", object.warnings());
        return doc;
    }

    @SuppressWarnings("unchecked")
    static String text(Map<String, Object> doc) {
        StringBuilder sb = new StringBuilder();
        sb.append("file: ").append(doc.get("file")).append('\n');
        sb.append("license: ").append(doc.get("license")).append('\n');
        sb.append("kernel version: ").append(doc.get("kernel_version")).append('\n');
        sb.append("\nsections:\n");
        sb.append(String.format("  %3s  %-28s %-10s %8s  %s%n", "idx", "name", "type", "size", "flags"));
        for (Object o : (List<Object>) doc.get("sections")) {
            Map<String, Object> s = (Map<String, Object>) o;
            sb.append(String.format("  %3d  %-28s %-10s %8d  %s%n", s.get("index"), s.get("name"), s.get("type"),
                    s.get("size"), s.get("flags")));
        }
        sb.append("\nprograms:\n");
        sb.append(String.format("  %-24s %-24s %-16s %-22s %6s  %s%n", "name", "section", "type", "attach", "insns",
                "source"));
        for (Object o : (List<Object>) doc.get("programs")) {
            Map<String, Object> p = (Map<String, Object>) o;
            sb.append(String.format("  %-24s %-24s %-16s %-22s %6d  %s%n", p.get("name"), p.get("section"), p.get("type"),
                    p.get("attach_type") == null ? "-" : p.get("attach_type"), p.get("insns"),
                    p.get("source") == null ? "-" : p.get("source")));
            if (p.containsKey("defect")) {
                sb.append("    cannot be loaded: ").append(p.get("defect")).append('\n');
            }
        }
        sb.append("\nmaps:\n");
        sb.append(String.format("  %-24s %-18s %5s %6s %11s %6s%n", "name", "type", "key", "value", "max_entries",
                "flags"));
        for (Object o : (List<Object>) doc.get("maps")) {
            Map<String, Object> m = (Map<String, Object>) o;
            sb.append(String.format("  %-24s %-18s %5d %6d %11d %6s%n", m.get("name"), m.get("type"), m.get("key_size"),
                    m.get("value_size"), m.get("max_entries"), "0x" + Integer.toHexString((Integer) m.get("flags"))));
        }
        if (doc.containsKey("struct_ops")) {
            sb.append("\nstruct_ops:\n");
            for (Object o : (List<Object>) doc.get("struct_ops")) {
                Map<String, Object> m = (Map<String, Object>) o;
                sb.append(String.format("  %-24s %-28s %s%n", m.get("name"), m.get("type"), m.get("section")));
                ((Map<String, Object>) m.get("functions")).forEach((member, prog) ->
                        sb.append("    .").append(member).append(" = ").append(prog).append('\n'));
            }
        }
        Map<String, Object> btf = (Map<String, Object>) doc.get("btf");
        sb.append("\nbtf: ");
        if (Boolean.TRUE.equals(btf.get("present"))) {
            sb.append(btf.get("types")).append(" types, ").append(btf.get("func_info")).append(" func_info, ")
                    .append(btf.get("line_info")).append(" line_info, ").append(btf.get("core_relocations"))
                    .append(" CO-RE relocations\n");
        } else {
            sb.append("none\n");
        }
        for (Object w : (List<Object>) doc.get("warnings")) {
            sb.append("warning: ").append(w).append('\n');
        }
        return sb.toString();
    }

    private static String sectionType(int type) {
        return switch (type) {
            case Elf.SHT_PROGBITS -> "PROGBITS";
            case Elf.SHT_SYMTAB -> "SYMTAB";
            case Elf.SHT_STRTAB -> "STRTAB";
            case Elf.SHT_RELA -> "RELA";
            case Elf.SHT_NOBITS -> "NOBITS";
            case Elf.SHT_REL -> "REL";
            case Elf.SHT_LLVM_ADDRSIG -> "ADDRSIG";
            default -> "0x" + Integer.toHexString(type);
        };
    }

    private static String flags(long f) {
        StringBuilder sb = new StringBuilder();
        if ((f & 1) != 0) {
            sb.append('W');
        }
        if ((f & 2) != 0) {
            sb.append('A');
        }
        if ((f & 4) != 0) {
            sb.append('X');
        }
        if ((f & 0x10) != 0) {
            sb.append('M');
        }
        if ((f & 0x20) != 0) {
            sb.append('S');
        }
        return sb.isEmpty() ? "-" : sb.toString();
    }
}
