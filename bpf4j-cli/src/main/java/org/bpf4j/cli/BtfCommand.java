package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfFormat;
import org.bpf4j.object.btf.BtfRawFormat;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.ByteReader;
import org.bpf4j.object.elf.ElfFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j btf show|dump}: BTF in the kernel or in files, as bpftool's {@code btf} verbs. */
@Command(name = "btf", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the kernel's BTF objects and dumps BTF from the kernel or a file.",
        subcommands = {BtfCommand.Show.class, BtfCommand.Dump.class, HelpCommand.class})
final class BtfCommand implements Callable<Integer> {
    private static final Path VMLINUX = Path.of("/sys/kernel/btf/vmlinux");

    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }

    /** {@code bpf4j btf show [id N] [--json]}. */
    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Lists the kernel's BTF objects (or one, with 'id N'): ID: name NAME  size NB  "
                    + "prog_ids ...  map_ids ...")
    static final class Show implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N", arity = "0..2", description = "only the BTF object with this id")
        private List<String> which = List.of();

        @Option(names = "--json", description = "print a JSON array of objects")
        private boolean json;

        @Override
        public Integer call() {
            List<KernelInfo.BtfInfo> infos = KernelCalls.shown("btf show", which, KernelIds.Kind.BTF, KernelInfo::btfInfo);
            Bpf bpf = KernelAccess.kernel().bpf();
            // Who uses each BTF object: the same walk over programs and maps.
            List<KernelInfo.ProgramInfo> progs = KernelIds.all(bpf, KernelIds.Kind.PROGRAM, KernelInfo::programInfo);
            List<KernelInfo.MapInfo> maps = KernelIds.all(bpf, KernelIds.Kind.MAP, KernelInfo::mapInfo);
            PrintWriter out = spec.commandLine().getOut();
            List<Object> all = new ArrayList<>();
            for (KernelInfo.BtfInfo b : infos) {
                List<Integer> progIds = progs.stream().filter(p -> p.btfId() == b.id()).map(p -> p.id()).toList();
                List<Integer> mapIds = maps.stream().filter(m -> m.btfId() == b.id()).map(m -> m.id()).toList();
                String name = b.name().isEmpty() ? "<anon>" : b.kernel() ? "[" + b.name() + "]" : b.name();
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", b.id());
                    m.put("size", b.size());
                    m.put("prog_ids", progIds);
                    m.put("map_ids", mapIds);
                    m.put("kernel", b.kernel());
                    m.put("name", b.name());
                    all.add(m);
                    continue;
                }
                StringBuilder line = new StringBuilder().append(b.id()).append(": name ").append(name).append("  size ")
                        .append(b.size()).append('B');
                if (!progIds.isEmpty()) {
                    line.append("  prog_ids ").append(join(progIds));
                }
                if (!mapIds.isEmpty()) {
                    line.append("  map_ids ").append(join(mapIds));
                }
                out.println(line);
            }
            if (json) {
                out.print(Json.write(which.isEmpty() ? all : all.get(0)));
            }
            out.flush();
            return Main.EXIT_OK;
        }

        private static String join(List<Integer> ids) {
            return String.join(",", ids.stream().map(String::valueOf).toList());
        }
    }

    /** {@code bpf4j btf dump file F | id N [format raw|c] [--json]}. */
    @Command(name = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Dumps BTF: 'file F' (an ELF object's .BTF, or raw BTF such as /sys/kernel/btf/vmlinux; "
                    + "a module's file under /sys/kernel/btf is read on top of vmlinux) or 'id N' (a BTF object in "
                    + "the kernel).",
                "format raw (default): one entry per type as bpftool prints them; format c: a C definition per "
                    + "named type (C-ish: in id order, not sorted for compilation)."})
    static final class Dump implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "file F | id N [format raw|c]", arity = "2..4")
        private List<String> words;

        @Option(names = "--json", description = "with format raw: a JSON array, one object per type")
        private boolean json;

        @Override
        public Integer call() {
            Words w = new Words("btf dump", words);
            String[] ref = w.object("file");
            String format = "raw";
            if (w.accept("format")) {
                format = w.next("'raw' or 'c' after 'format'");
                if (!format.equals("raw") && !format.equals("c")) {
                    throw w.fail("unknown format '" + format + "' (raw or c)");
                }
            }
            w.end();
            if (json && format.equals("c")) {
                throw CommandFailure.badInput("btf dump: --json goes with format raw");
            }
            Btf btf = ref[0].equals("file") ? fromFile(Path.of(ref[1])) : fromKernel(w.parseId(ref[1]));
            PrintWriter out = spec.commandLine().getOut();
            int first = btf.firstOwnId();
            if (format.equals("c")) {
                for (int id = first; id < btf.size(); id++) {
                    BtfType t = btf.typeById(id);
                    if (!t.name().isEmpty() && definable(t)) {
                        out.println(BtfFormat.declaration(btf, id));
                        out.println();
                    }
                }
            } else if (json) {
                List<Object> all = new ArrayList<>();
                for (int id = first; id < btf.size(); id++) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    BtfType t = btf.typeById(id);
                    m.put("id", id);
                    m.put("kind", t.kindName());
                    m.put("name", t.name().isEmpty() ? "(anon)" : t.name());
                    m.put("raw", BtfRawFormat.type(btf, id));
                    all.add(m);
                }
                out.print(Json.write(all));
            } else {
                out.print(BtfRawFormat.format(btf, first));
            }
            out.flush();
            return Main.EXIT_OK;
        }

        private static boolean definable(BtfType t) {
            return switch (t) {
                case BtfType.Struct s -> true;
                case BtfType.Union u -> true;
                case BtfType.Enum e -> true;
                case BtfType.Enum64 e -> true;
                case BtfType.Typedef d -> true;
                case BtfType.Func f -> true;
                case BtfType.Var v -> true;
                default -> false;
            };
        }

        private static Btf fromFile(Path file) {
            byte[] bytes;
            try {
                bytes = Files.readAllBytes(file);
            } catch (IOException e) {
                throw CommandFailure.io(file, "read", e);
            }
            try {
                if (bytes.length >= 4 && bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F') {
                    // The .BTF section as the file has it (bpftool's view), not the object model's,
                    // which completes data sections' sizes and offsets from the ELF symbols.
                    ElfFile elf = ElfFile.parse(bytes, file.toString());
                    var section = elf.sectionByName(".BTF").orElseThrow(
                            () -> CommandFailure.badInput(file + ": the object has no .BTF section"));
                    return Btf.parse(elf.data(section));
                }
                Path abs = file.toAbsolutePath().normalize();
                if (abs.getParent() != null && abs.getParent().equals(VMLINUX.getParent()) && !abs.equals(VMLINUX)) {
                    // A module's BTF is split BTF on top of the kernel's.
                    Btf base = Btf.parse(ByteReader.of(Files.readAllBytes(VMLINUX), VMLINUX.toString()));
                    return Btf.parseSplit(ByteReader.of(bytes, file.toString()), base);
                }
                return Btf.parse(ByteReader.of(bytes, file.toString()));
            } catch (IOException e) {
                throw CommandFailure.io(VMLINUX, "read", e);
            } catch (Bpf4jException e) {
                throw CommandFailure.about(file.toString(), e);
            }
        }

        private static Btf fromKernel(int id) {
            Bpf bpf = KernelAccess.kernel().bpf();
            record Data(KernelInfo.BtfInfo info, byte[] bytes) {
            }
            Data d = KernelCalls.call("btf dump", () -> KernelIds.one(bpf, KernelIds.Kind.BTF, id,
                    (b, fd) -> new Data(KernelInfo.btfInfo(b, fd), KernelInfo.btfData(b, fd))));
            String where = "BTF id " + id;
            try {
                if (d.info().kernel() && !d.info().name().equals("vmlinux")) {
                    Btf base = Btf.parse(ByteReader.of(Files.readAllBytes(VMLINUX), VMLINUX.toString()));
                    return Btf.parseSplit(ByteReader.of(d.bytes(), where), base);
                }
                return Btf.parse(ByteReader.of(d.bytes(), where));
            } catch (IOException e) {
                throw CommandFailure.io(VMLINUX, "read", e);
            } catch (Bpf4jException e) {
                throw CommandFailure.about(where, e);
            }
        }
    }
}
