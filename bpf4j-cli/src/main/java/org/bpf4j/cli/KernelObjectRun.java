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
        // A test run is self-contained, as on the VM: maps declared as pinned by name start empty and are not pinned.
        LoadOptions options = LoadOptions.defaults().withoutPinning().withLayout(DataLayout.of(r.bytes(), r.file().getFileName()
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
        String type = m.mapType().map(t -> t.kernelName()).orElse("type " + m.type());
        List<byte[]> keys;
        try {
            keys = m.keySize() == 0 ? List.of() : m.keys();
        } catch (KernelException e) {
            keys = List.of();
        }
        return MapDump.dump(mapName, new MapDump.View(type, m.keySize(), m.valueSize(), m.maxEntries(), m.perCpu(), keys,
                k -> {
                    try {
                        return m.lookup(k).map(v -> m.perCpu() ? m.splitPerCpu(v) : List.of(v));
                    } catch (KernelException e) {
                        return Optional.empty();
                    }
                }), text);
    }
}
