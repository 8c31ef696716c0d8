package org.bpf4j.vm.testprogs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.vm.Cpus;
import org.bpf4j.vm.VmObject;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.QueueStackMap;
import org.bpf4j.vm.run.TestRun;
import org.bpf4j.vm.run.TestRunException;
import org.bpf4j.vm.run.TestRunInput;
import org.bpf4j.vm.run.TestRunResult;

/**
 * Runs the cases of {@code testprogs/expected/} on the VM and compares them with the kernel's
 * results: every run's retval, data_out and ctx_out (or the same refusal), then every recorded map.
 * Public so that the JIT's tests run the same cases on the JIT. Runs happen on a thread whose VM
 * CPU is 0, as the kernel's runs were pinned to CPU 0.
 */
public final class TestProgramsRunner {
    private static final HexFormat HEX = HexFormat.of();
    private static final ExecutorService CPU0 = cpu0Thread();

    private TestProgramsRunner() {
    }

    /** A single-thread executor whose thread is VM CPU 0 (threads get CPUs round-robin). */
    private static ExecutorService cpu0Thread() {
        for (int attempt = 0; attempt <= Cpus.count(); attempt++) {
            ExecutorService e = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "testprogs-cpu0");
                t.setDaemon(true);
                return t;
            });
            try {
                if (e.submit(Cpus::current).get() == 0) {
                    return e;
                }
            } catch (InterruptedException | ExecutionException ex) {
                throw new IllegalStateException(ex);
            }
            e.shutdown();
        }
        throw new IllegalStateException("no thread got VM CPU 0");
    }

    /** The objects' specs, parsed once per file. */
    static ObjectSpec objectOf(ExpectedFile file, Path testprogs) {
        Path p = testprogs.resolve(file.object());
        try {
            return ObjectFile.parse(Files.readAllBytes(p), p.getFileName().toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Runs one case on a fresh load of the object and returns the differences from the kernel's
     * results, one line each; empty when the VM agrees.
     */
    public static List<String> run(Path expectedFile, String caseName, Path testprogs, VmOptions options) {
        return run(expectedFile, caseName, testprogs, (spec, program) -> options);
    }

    /**
     * {@link #run(Path, String, Path, VmOptions)} with options chosen for the object and the
     * case's program (for example an engine given the verifier's facts about that program).
     */
    public static List<String> run(Path expectedFile, String caseName, Path testprogs,
            java.util.function.BiFunction<ObjectSpec, String, VmOptions> optionsFor) {
        ExpectedFile file = ExpectedFile.parse(expectedFile);
        ExpectedFile.Case c = file.cases().stream().filter(k -> k.name().equals(caseName)).findFirst()
                .orElseThrow();
        ObjectSpec spec = objectOf(file, testprogs);
        VmOptions options = optionsFor.apply(spec, c.program());
        Future<List<String>> f = CPU0.submit(() -> runOnThisThread(spec, c, options));
        try {
            return f.get();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    private static List<String> runOnThisThread(ObjectSpec spec, ExpectedFile.Case c, VmOptions options) {
        List<String> diffs = new ArrayList<>();
        try (VmObject obj = VmObject.load(spec, options)) {
            VmObject.Program program = obj.program(c.program());
            for (ExpectedFile.Update u : c.updates()) {
                obj.map(u.map()).put(u.key(), u.value(), BpfMap.ANY);
            }
            int n = 0;
            for (ExpectedFile.Run r : c.runs()) {
                n++;
                String at = c.runs().size() == 1 ? "" : "run " + n + ": ";
                TestRunInput in = TestRunInput.of(r.dataIn());
                if (r.ctxIn().isPresent()) {
                    in = in.withContext(r.ctxIn().get());
                }
                TestRunResult res;
                try {
                    res = TestRun.run(program.program(), program.type(), program.attachType(), in);
                } catch (TestRunException e) {
                    switch (r.outcome()) {
                        case ExpectedFile.Outcome.Refused ref -> {
                            if (!ref.errno().equals(Errno.name(e.errno()))) {
                                diffs.add(at + "refused with " + Errno.name(e.errno()) + ", the kernel with "
                                        + ref.errno());
                            }
                        }
                        case ExpectedFile.Outcome.Returned ret -> diffs.add(at + "refused (" + Errno.name(e.errno())
                                + ": " + e.getMessage() + "); the kernel returned " + ret.retval());
                    }
                    continue;
                }
                switch (r.outcome()) {
                    case ExpectedFile.Outcome.Refused ref -> diffs.add(at + "returned " + res.retval()
                            + "; the kernel refused the input with " + ref.errno());
                    case ExpectedFile.Outcome.Returned ret -> {
                        long retval = res.retval() & 0xffffffffL;
                        if (retval != ret.retval()) {
                            diffs.add(at + "retval " + retval + ", kernel " + ret.retval());
                        }
                        compareBytes(diffs, at + "data_out", res.data(), ret.dataOut());
                        if (ret.ctxOut().isPresent()) {
                            compareBytes(diffs, at + "ctx_out", res.context().orElse(new byte[0]), ret.ctxOut().get());
                        }
                    }
                }
            }
            for (ExpectedFile.MapState m : c.maps().values()) {
                if (m.skipped().isEmpty()) {
                    compareMap(diffs, obj, m);
                }
            }
        }
        return diffs;
    }

    private static void compareBytes(List<String> diffs, String what, byte[] vm, byte[] kernel) {
        if (Arrays.equals(vm, kernel)) {
            return;
        }
        int i = Arrays.mismatch(vm, kernel);
        diffs.add(what + " differs at byte " + i + " (VM " + vm.length + " bytes, kernel " + kernel.length
                + "): VM " + excerpt(vm, i) + ", kernel " + excerpt(kernel, i));
    }

    private static String excerpt(byte[] b, int from) {
        int start = Math.max(0, Math.min(from, b.length));
        return HEX.formatHex(b, start, Math.min(b.length, start + 16)) + (b.length > start + 16 ? "…" : "");
    }

    /** {@code BPF_F_ZERO_SEED}. */
    private static final int ZERO_SEED = 1 << 6;

    private static void compareMap(List<String> diffs, VmObject obj, ExpectedFile.MapState m) {
        BpfMap map;
        try {
            map = obj.map(m.name());
        } catch (java.util.NoSuchElementException e) {
            diffs.add("map " + m.name() + ": " + e.getMessage());
            return;
        }
        if (map instanceof QueueStackMap q) {
            List<String> vm = new ArrayList<>();
            for (Optional<byte[]> v = q.pop(); v.isPresent(); v = q.pop()) {
                vm.add(HEX.formatHex(v.get()));
            }
            List<String> kernel = m.pops().stream().map(HEX::formatHex).toList();
            if (!vm.equals(kernel)) {
                diffs.add("map " + m.name() + ": pops " + vm + ", kernel " + kernel);
            }
            return;
        }
        if (!m.order().isEmpty() || (map.definition().flags() & ZERO_SEED) != 0 && m.type().endsWith("hash")) {
            // A zero-seeded hash map: the kernel's iteration order was recorded, and the VM's must equal it.
            List<String> vmOrder = map.keys().stream().map(HEX::formatHex).toList();
            List<String> kernelOrder = m.order().stream().map(HEX::formatHex).toList();
            if (!vmOrder.equals(kernelOrder)) {
                diffs.add("map " + m.name() + ": iteration order " + vmOrder + ", kernel " + kernelOrder);
            }
        }
        boolean array = m.type().endsWith("array");
        int valueSize = map.definition().valueSize();
        Map<String, String> vm = new java.util.TreeMap<>();
        for (byte[] key : map.keys()) {
            Optional<byte[]> found = map.lookup(key);
            if (found.isEmpty()) {
                continue; // iterated but empty, as a devmap's slots: bpftool's dump skips them too
            }
            byte[] all = found.get();
            byte[] value = Arrays.copyOf(all, valueSize);
            if (all.length > valueSize) {
                int stride = all.length / Cpus.count();
                for (int cpu = 1; cpu < Cpus.count(); cpu++) {
                    byte[] other = Arrays.copyOfRange(all, cpu * stride, cpu * stride + valueSize);
                    if (!Arrays.equals(other, new byte[valueSize])) {
                        diffs.add("map " + m.name() + " key " + HEX.formatHex(key) + ": CPU " + cpu + " holds "
                                + HEX.formatHex(other) + "; every run was on CPU 0");
                    }
                }
            }
            if (array && Arrays.equals(value, new byte[valueSize])) {
                continue;
            }
            vm.put(HEX.formatHex(key), HEX.formatHex(value));
        }
        Map<String, String> kernel = new java.util.TreeMap<>();
        for (ExpectedFile.Entry e : m.entries()) {
            kernel.put(HEX.formatHex(e.key()), HEX.formatHex(e.value()));
        }
        if (!vm.equals(kernel)) {
            for (String k : union(vm, kernel)) {
                String a = vm.get(k);
                String b = kernel.get(k);
                if (a == null || !a.equals(b)) {
                    diffs.add("map " + m.name() + " key " + k + ": VM " + (a == null ? "absent" : a) + ", kernel "
                            + (b == null ? "absent" : b));
                }
            }
        }
    }

    private static List<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.TreeSet<String> s = new java.util.TreeSet<>(a.keySet());
        s.addAll(b.keySet());
        return new ArrayList<>(s);
    }
}
