package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.object.ObjectSpec;

/**
 * {@code bpf4j run FILE.o --engine kernel}: loads the object into the kernel and test-runs one
 * program with {@code BPF_PROG_TEST_RUN}, printing what the VM engines print for object files
 * ({@code retval = N}, the duration with {@code --repeat}, {@code ctx_out}, {@code data_out}, the
 * maps). Everything is released when the command ends. Stateless.
 */
final class KernelObjectRun {
    private static final HexFormat HEX = HexFormat.of();

    private KernelObjectRun() {}

    static int run(ObjectRun.Request r, PrintWriter out) {
        String name = r.file().toString();
        if (r.pcapIn() != null) {
            throw CommandFailure.badInput(name + ": --pcap runs on the VM engines only");
        }
        ObjectSpec spec = ObjectFiles.parse(r.file(), r.bytes());
        String progName = ObjectRun.chooseProgram(name, spec, r.prog());
        LoadOptions options = LoadOptions.defaults().withLayout(DataLayout.of(r.bytes(), r.file().getFileName()
                .toString()));
        KernelObject loaded;
        try {
            loaded = KernelAccess.kernel().load(spec, options);
        } catch (Bpf4jException e) {
            throw new CommandFailure(Main.EXIT_FAILED, name + ": " + e.getMessage(), e);
        }
        try (KernelObject object = loaded) {
            KernelProgram p = program(name, object, progName);
            Map<String, Object> doc = new LinkedHashMap<>();
            doc.put("program", p.name());
            doc.put("type", p.type().kernelName());
            StringBuilder text = new StringBuilder();
            byte[] data = r.data() == null ? new byte[0] : r.data();
            KernelProgram.TestRunResult result;
            try {
                result = p.testRun(new KernelProgram.TestRun(data, data.length + 256, r.ctx(),
                        r.ctx() == null ? 0 : r.ctx().length, Math.max(1, r.repeat()), 0));
            } catch (KernelException e) {
                throw new CommandFailure(Main.EXIT_FAILED, name + ": program " + p.name() + ": " + e.getMessage(), e);
            }
            long retval = Integer.toUnsignedLong(result.retval());
            doc.put("retval", retval);
            text.append("retval = ").append(retval).append('\n');
            if (r.timed()) {
                doc.put("duration_ns", result.durationNanos());
                text.append("duration = ").append(result.durationNanos()).append(" ns (mean of ")
                        .append(Math.max(1, r.repeat())).append(" runs)\n");
            }
            doc.put("data_out", HEX.formatHex(result.dataOut()));
            if (r.ctx() != null) {
                doc.put("ctx_out", HEX.formatHex(result.ctxOut()));
                text.append("ctx_out = ").append(HEX.formatHex(result.ctxOut())).append('\n');
            }
            if (r.dataOut() != null) {
                ObjectRun.write(r.dataOut(), result.dataOut());
                text.append("data_out = ").append(result.dataOut().length).append(" bytes written to ")
                        .append(r.dataOut()).append('\n');
            }
            Map<String, Object> maps = new LinkedHashMap<>();
            for (Map.Entry<String, KernelMap> e : object.maps().entrySet()) {
                maps.put(e.getKey(), dump(e.getKey(), e.getValue(), text));
            }
            doc.put("maps", maps);
            out.print(r.json() ? Json.write(doc) : text.toString());
            out.flush();
        }
        return Main.EXIT_OK;
    }

    private static KernelProgram program(String name, KernelObject object, String progName) {
        for (KernelObject.Outcome o : object.outcomes()) {
            if (!o.name().equals(progName)) {
                continue;
            }
            return switch (o) {
                case KernelObject.Outcome.Loaded l -> l.program();
                case KernelObject.Outcome.Rejected rej -> throw new CommandFailure(Main.EXIT_FAILED, name
                        + ": program " + progName + ": " + (rej.error() instanceof VerifierException v
                                ? "the kernel's verifier refuses it: " + v.summary() + " (" + v.errnoName() + ")"
                                : rej.error().getMessage()), rej.error());
            };
        }
        throw CommandFailure.badInput(name + ": no program '" + progName + "'");
    }

    /** Prints a map as the VM engines' object runs do, and returns it for JSON. */
    private static Map<String, Object> dump(String mapName, KernelMap m, StringBuilder text) {
        Map<String, Object> doc = new LinkedHashMap<>();
        String type = m.mapType().map(t -> t.kernelName()).orElse("type " + m.type());
        doc.put("type", type);
        text.append("map ").append(mapName).append(" (").append(type).append(", key ").append(m.keySize())
                .append(", value ").append(m.valueSize()).append(", max_entries ").append(m.maxEntries()).append("):\n");
        List<Object> entries = new ArrayList<>();
        List<byte[]> keys;
        try {
            keys = m.keySize() == 0 ? List.of() : m.keys();
        } catch (KernelException e) {
            keys = List.of();
        }
        int zeros = 0;
        for (byte[] k : keys) {
            Optional<byte[]> v;
            try {
                v = m.lookup(k);
            } catch (KernelException e) {
                v = Optional.empty();
            }
            if (v.isEmpty()) {
                continue;
            }
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("key", HEX.formatHex(k));
            if (m.perCpu()) {
                Map<String, Object> cpus = new LinkedHashMap<>();
                StringBuilder line = new StringBuilder();
                List<byte[]> values = m.splitPerCpu(v.get());
                for (int cpu = 0; cpu < values.size(); cpu++) {
                    if (!allZero(values.get(cpu))) {
                        cpus.put("cpu" + cpu, HEX.formatHex(values.get(cpu)));
                        line.append(" cpu").append(cpu).append(' ').append(HEX.formatHex(values.get(cpu)));
                    }
                }
                e.put("values", cpus);
                entries.add(e);
                if (cpus.isEmpty()) {
                    zeros++;
                    continue;
                }
                text.append("  key ").append(HEX.formatHex(k)).append(line).append('\n');
                continue;
            }
            e.put("value", HEX.formatHex(v.get()));
            entries.add(e);
            if (type.endsWith("array") && allZero(v.get())) {
                zeros++;
                continue;
            }
            text.append("  key ").append(HEX.formatHex(k)).append(" value ").append(HEX.formatHex(v.get())).append('\n');
        }
        if (zeros > 0) {
            text.append("  (").append(zeros).append(zeros == 1 ? " element is" : " elements are").append(" zero)\n");
        }
        if (keys.isEmpty()) {
            text.append("  (no keys to list)\n");
        }
        doc.put("entries", entries);
        return doc;
    }

    private static boolean allZero(byte[] b) {
        for (byte x : b) {
            if (x != 0) {
                return false;
            }
        }
        return true;
    }
}
