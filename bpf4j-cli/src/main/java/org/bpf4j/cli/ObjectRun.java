package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import org.bpf4j.Bpf4jException;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.vm.VmObject;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapException;
import org.bpf4j.vm.run.Pcap;
import org.bpf4j.vm.run.PcapRun;
import org.bpf4j.vm.run.TestRun;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.run.TestRunResult;

/**
 * {@code bpf4j run FILE.o}: loads an object into the VM and test-runs one of its programs over a
 * packet (or every packet of a capture), as {@code BPF_PROG_TEST_RUN} does, then prints the
 * result and every map.
 */
final class ObjectRun {
    private static final HexFormat HEX = HexFormat.of();

    /** What the user asked for. */
    record Request(Path file, byte[] bytes, String prog, byte[] data, Path pcapIn, Path pcapOut, Path dataOut, byte[] ctx,
            int repeat, boolean timed, boolean json) {}

    private ObjectRun() {}

    /**
     * Test-runs the requested program of an object on the VM and prints the result and the maps;
     * {@code inspect} sees the loaded program first (for {@code --dump-jit}).
     */
    static int run(Request r, VmOptions options, Consumer<VmProgram> inspect, PrintWriter out) {
        ObjectSpec spec = ObjectFiles.parse(r.file(), r.bytes());
        return run(r, spec, chooseProgram(r.file().toString(), spec, r.prog()), options, inspect, out);
    }

    /** {@link #run(Request, VmOptions, Consumer, PrintWriter)} of an object already parsed and a program chosen. */
    static int run(Request r, ObjectSpec spec, String progName, VmOptions options, Consumer<VmProgram> inspect,
            PrintWriter out) {
        String name = r.file().toString();
        try (VmObject object = VmObject.load(spec, options)) {
            VmObject.Program p;
            try {
                p = object.program(progName);
            } catch (Bpf4jException e) {
                throw CommandFailure.about(name, e);
            }
            inspect.accept(p.program());
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("program", p.name());
            doc.put("type", p.type().kernelName());
            StringBuilder text = new StringBuilder();
            if (r.pcapIn() != null) {
                pcap(r, p, doc, text);
            } else {
                TestRunResult result;
                try {
                    result = TestRun.run(p.program(), p.type(), p.attachType(),
                            new TestRunInput(r.data() == null ? new byte[0] : r.data(), Optional.ofNullable(r.ctx()),
                                    r.repeat()));
                } catch (VmTrapException e) {
                    throw new CommandFailure(Main.EXIT_FAILED, name + ": program " + p.name() + ": " + e.getMessage()
                            + where(p.spec(), e.slot()), e);
                } catch (Bpf4jException e) {
                    throw CommandFailure.about(name, e);
                }
                doc.put("retval", result.retval());
                text.append("retval = ").append(result.retval()).append('\n');
                if (r.timed()) {
                    doc.put("duration_ns", result.durationNanos());
                    text.append("duration = ").append(result.durationNanos()).append(" ns (mean of ")
                            .append(Math.max(1, r.repeat())).append(" runs)\n");
                }
                result.redirect().ifPresent(rd -> {
                    String target = rd.mapName().map(m -> "map " + m + " key " + rd.ifindex())
                            .orElse("ifindex " + rd.ifindex());
                    doc.put("redirect", target);
                    text.append("redirect = ").append(target).append('\n');
                });
                doc.put("data_out", HEX.formatHex(result.data()));
                result.context().ifPresent(c -> {
                    doc.put("ctx_out", HEX.formatHex(c));
                    if (r.ctx() != null) {
                        text.append("ctx_out = ").append(HEX.formatHex(c)).append('\n');
                    }
                });
                if (r.dataOut() != null) {
                    write(r.dataOut(), result.data());
                    text.append("data_out = ").append(result.data().length).append(" bytes written to ")
                            .append(r.dataOut()).append('\n');
                }
            }
            Map<String, Object> maps = new LinkedHashMap<>();
            for (Map.Entry<String, BpfMap> e : object.maps().entrySet()) {
                maps.put(e.getKey(), dump(e.getValue(), text));
            }
            object.mapFailures().forEach((m, why) -> text.append("map ").append(m).append(": not created: ")
                    .append(why).append('\n'));
            doc.put("maps", maps);
            out.print(r.json() ? Json.write(doc) : text.toString());
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private static void pcap(Request r, VmObject.Program p, Map<String, Object> doc, StringBuilder text) {
        String name = r.file().toString();
        byte[] capture;
        try {
            capture = Files.readAllBytes(r.pcapIn());
        } catch (IOException e) {
            throw CommandFailure.io(r.pcapIn(), "read", e);
        }
        List<Pcap.Packet> packets;
        try {
            packets = Pcap.read(capture, r.pcapIn().toString());
        } catch (Bpf4jException e) {
            throw CommandFailure.about(r.pcapIn().toString(), e);
        }
        PcapRun.Result result;
        try {
            result = PcapRun.run(p.program(), p.type(), p.attachType(), packets);
        } catch (VmTrapException e) {
            throw new CommandFailure(Main.EXIT_FAILED, name + ": program " + p.name() + ": " + e.getMessage()
                    + where(p.spec(), e.slot()), e);
        }
        doc.put("packets", result.packets());
        doc.put("verdicts", result.verdicts());
        text.append("packets = ").append(result.packets()).append('\n');
        result.verdicts().forEach((v, n) -> text.append(v).append(" = ").append(n).append('\n'));
        if (r.pcapOut() != null) {
            write(r.pcapOut(), Pcap.write(result.kept()));
            doc.put("written", result.kept().size());
            text.append("wrote ").append(result.kept().size()).append(" packets to ").append(r.pcapOut()).append('\n');
        }
    }

    static void write(Path path, byte[] bytes) {
        try {
            Files.write(path, bytes);
        } catch (IOException e) {
            throw CommandFailure.io(path, "write", e);
        }
    }

    /** " (file.c:12: source)" for a slot with line info. */
    private static String where(ProgramSpec p, int slot) {
        return p.lineAt(slot).map(l -> " (" + l.fileName() + ":" + l.line() + ": " + l.sourceLine().strip() + ")")
                .orElse("");
    }

    static String chooseProgram(String name, ObjectSpec spec, String prog) {
        if (prog != null) {
            if (spec.program(prog).isEmpty()) {
                throw CommandFailure.badInput(name + ": no program '" + prog + "'; the programs are "
                        + String.join(", ", spec.programs().stream().map(ProgramSpec::name).toList()));
            }
            return prog;
        }
        if (spec.programs().size() == 1) {
            return spec.programs().get(0).name();
        }
        if (spec.programs().isEmpty()) {
            throw CommandFailure.badInput(name + ": the object has no programs");
        }
        throw CommandFailure.badInput(name + ": the object has " + spec.programs().size() + " programs; choose one with "
                + "--prog (" + String.join(", ", spec.programs().stream().map(ProgramSpec::name).toList()) + ")");
    }

    /** Prints a map as {@code map NAME (TYPE):} and its entries, and returns it for JSON. */
    private static Map<String, Object> dump(BpfMap m, StringBuilder text) {
        String type = m.definition().type().kernelName();
        boolean perCpu = type.contains("percpu");
        int size = m.definition().valueSize();
        List<byte[]> keys;
        try {
            keys = m.definition().keySize() == 0 ? List.of() : m.keys();
        } catch (MapException | UnsupportedOperationException e) {
            keys = List.of();
        }
        return MapDump.dump(m.definition().name(), new MapDump.View(type, m.definition().keySize(), size,
                m.definition().maxEntries(), perCpu, keys, k -> {
                    try {
                        return m.lookup(k).map(v -> perCpu ? perCpuSlots(v, size) : List.of(v));
                    } catch (MapException | UnsupportedOperationException e) {
                        return Optional.empty();
                    }
                }), text);
    }

    /** A per-CPU value as the VM hands it out: one slot per CPU, each the value size rounded up to 8. */
    private static List<byte[]> perCpuSlots(byte[] value, int size) {
        int stride = (size + 7) & ~7;
        List<byte[]> slots = new ArrayList<>();
        for (int at = 0; at < value.length; at += stride) {
            slots.add(Arrays.copyOfRange(value, at, Math.min(value.length, at + size)));
        }
        return slots;
    }
}
