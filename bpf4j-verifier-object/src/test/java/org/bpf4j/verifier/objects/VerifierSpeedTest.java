package org.bpf4j.verifier.objects;


import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.junit.jupiter.api.Test;

/**
 * A measured run, not a unit test: the time bpf4j's verifier takes on each program of the shared
 * corpus that both verifiers accept, against the kernel's own "verification time" (its log with
 * {@code BPF_LOG_STATS}) for the same program loaded through bpf4j-linux, in the same run. Prints
 * a table of the programs the kernel spends longest on, with ratios, the totals, and how many
 * programs bpf4j verifies slower than the kernel. Opt-in:
 *
 * <pre>./mvnw -o -q verify -pl bpf4j-verifier-object -am -Dtest=VerifierSpeedTest -Dbpf4j.verifierSpeed=true</pre>
 *
 * Needs bpf() (root); skipped with the reason otherwise. Both sides are measured the same way:
 * one warm-up pass over the whole corpus (the JVM's JIT for bpf4j; caches and the kernel's BTF
 * for the kernel), then {@code -Dbpf4j.speedRuns=5} passes, each loading every object into the
 * kernel and then verifying every program with bpf4j (so that both see the same load over
 * time); each program's time is its best over those passes, on each side. Each pass takes the
 * objects in its own (seeded) random order on both sides, so that no program is always the first
 * one measured after the switch from one side to the other (with the corpus file's order, the
 * first 38-instruction program was always 1.3x the kernel while its copies in other objects were
 * 0.2x).
 */
class VerifierSpeedTest {
    private static final Pattern TIME = Pattern.compile("verification time (\\d+) usec");
    private static final Pattern PROCESSED = Pattern.compile("processed (\\d+) insns");

    record KernelStats(long micros, long processed) {
    }

    @Test
    void speedAgainstTheKernel() throws IOException {
        assumeTrue(Boolean.getBoolean("bpf4j.verifierSpeed"),
                "the verifier speed run takes minutes; run it with -Dbpf4j.verifierSpeed=true");
        Kernel.Availability a = Kernel.probe();
        assumeTrue(a.available(), "no kernel to compare with: " + a.reason());
        Path root = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus");
        assumeTrue(Files.isDirectory(root.resolve("ebpf-samples")), "corpus not found at " + root.toAbsolutePath());
        Map<String, List<String[]>> byObject = new LinkedHashMap<>();
        List<String> lines = Files.readAllLines(root.resolve("ebpf-samples-verdicts.tsv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split("\t", -1);
            if (f[8].equals("accepted")) {
                byObject.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f);
            }
        }
        String loadBefore = loadAverage();
        // the kernel: every accepted program, loaded with BPF_LOG_STATS through a recording layer
        // (the best time of all passes but the warm-up)
        Map<String, KernelStats> kernelStats = new HashMap<>();
        boolean[] counting = {false};
        String[] loading = new String[1];
        Bpf real = Kernel.system().bpf();
        Bpf recording = (Bpf) Proxy.newProxyInstance(Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class},
                (proxy, m, args) -> {
                    try {
                        if (m.getName().equals("progLoad")) {
                            Bpf.ProgLoad attr = ((Bpf.ProgLoad) args[0]).withLog(4, 1 << 16);
                            Bpf.LoadResult r = real.progLoad(attr);
                            Matcher t = TIME.matcher(r.log());
                            Matcher p = PROCESSED.matcher(r.log());
                            if (r.ok() && t.find() && p.find() && counting[0]) {
                                KernelStats k = new KernelStats(Long.parseLong(t.group(1)), Long.parseLong(p.group(1)));
                                kernelStats.merge(loading[0] + " " + attr.insns().length / 8 + " " + attr.name(), k,
                                        (x, y) -> x.micros() <= y.micros() ? x : y);
                            }
                            return r;
                        }
                        return m.invoke(real, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Kernel kernel = new Kernel(recording, Kernel.system().cpus(), () -> Kernel.system().vmlinuxBtf());
        Map<String, ObjectSpec> objects = new HashMap<>();
        Map<String, String> kernelName = new HashMap<>();
        Map<String, Map<String, ProgramType>> typesOf = new HashMap<>();
        for (var e : byObject.entrySet()) {
            Path file = root.resolve("ebpf-samples").resolve(e.getKey());
            try {
                ObjectSpec spec = ObjectFile.read(file);
                objects.put(e.getKey(), spec);
                Map<String, ProgramType> types = new HashMap<>();
                for (String[] f : e.getValue()) {
                    String name = name(spec, f);
                    types.put(name, ProgramType.byName(f[5]).orElseThrow());
                    // the kernel knows the program by its object name (truncated to 15 bytes, so
                    // the length of its code tells apart names that share their first 15 bytes)
                    kernelName.put(e.getKey() + " " + name, e.getKey() + " "
                            + spec.linkedProgram(name).code().slotCount() + " " + objectName(name));
                }
                typesOf.put(e.getKey(), types);
            } catch (Bpf4jException ex) {
                System.out.println("  " + e.getKey() + " unreadable: " + ex.getMessage());
            }
        }
        // one warm-up pass, then the best of N passes, each pass the kernel then bpf4j
        int runs = Integer.getInteger("bpf4j.speedRuns", 5);
        Map<String, Object[]> rows = new LinkedHashMap<>();
        List<Map.Entry<String, List<String[]>>> order = new ArrayList<>(byObject.entrySet());
        for (int pass = 0; pass <= runs; pass++) {
            counting[0] = pass > 0;
            if (pass > 0) {
                java.util.Collections.shuffle(order, new java.util.Random(pass));
            }
            for (var e : order) {
                ObjectSpec spec = objects.get(e.getKey());
                if (spec == null) {
                    continue;
                }
                Path file = root.resolve("ebpf-samples").resolve(e.getKey());
                loading[0] = e.getKey();
                Map<String, ProgramType> types = typesOf.get(e.getKey());
                LoadOptions options = LoadOptions.defaults().withPrograms(Set.copyOf(types.keySet())).withTypes(types)
                        .withLayout(DataLayout.read(file)).withDefaultLicense("GPL").withoutPinning();
                try (KernelObject obj = kernel.load(spec, options)) {
                    obj.outcomes().size();
                } catch (Bpf4jException ex) {
                    System.out.println("  kernel load of " + e.getKey() + " failed: " + ex.getMessage());
                }
            }
            for (var e : order) {
                ObjectSpec spec = objects.get(e.getKey());
                if (spec == null) {
                    continue;
                }
                for (String[] f : e.getValue()) {
                    String name = name(spec, f);
                    VerifierInput in = ObjectInputs.input(spec, spec.linkedProgram(name),
                            ProgramType.byName(f[5]).orElseThrow());
                    long t0 = System.nanoTime();
                    VerificationResult r = Verifier.verify(in);
                    long dt = System.nanoTime() - t0;
                    String key = e.getKey() + " " + name;
                    if (pass == 0) {
                        rows.put(key, new Object[] {key, Long.MAX_VALUE, (long) r.processed(), r.accepted()});
                    } else {
                        Object[] row = rows.get(key);
                        row[1] = Math.min((long) row[1], dt);
                    }
                }
            }
        }
        List<Object[]> both = new ArrayList<>();
        long ourTotal = 0;
        long kernelTotal = 0;
        for (Object[] row : rows.values()) {
            KernelStats k = kernelStats.get(kernelName.get((String) row[0]));
            if (k == null || !(boolean) row[3]) {
                continue;
            }
            both.add(new Object[] {row[0], row[1], row[2], k});
            ourTotal += (long) row[1];
            kernelTotal += k.micros() * 1000;
        }
        both.sort((x, y) -> Long.compare(((KernelStats) y[3]).micros(), ((KernelStats) x[3]).micros()));
        System.out.println("| program | kernel insns | kernel time | bpf4j insns | bpf4j time | bpf4j / kernel |");
        System.out.println("|---|---:|---:|---:|---:|---:|");
        for (Object[] row : both.subList(0, Math.min(Integer.getInteger("bpf4j.speedRows", 20), both.size()))) {
            KernelStats k = (KernelStats) row[3];
            long ours = (long) row[1];
            System.out.printf("| %s | %d | %.2f ms | %d | %.2f ms | %.2f |%n", row[0], k.processed(),
                    k.micros() / 1000.0, (long) row[2], ours / 1e6, ours / 1000.0 / Math.max(1, k.micros()));
        }
        System.out.printf("| all %d programs both accept | | %.1f ms | | %.1f ms | %.2f |%n", both.size(),
                kernelTotal / 1e6, ourTotal / 1e6, (double) ourTotal / Math.max(1, kernelTotal));
        int slower = 0;
        double worst = 0;
        String worstName = "";
        for (Object[] row : both) {
            double ratio = (long) row[1] / 1000.0 / Math.max(1, ((KernelStats) row[3]).micros());
            slower += ratio > 1 ? 1 : 0;
            if (ratio > worst) {
                worst = ratio;
                worstName = (String) row[0];
            }
        }
        System.out.printf("best of %d passes after a warm-up pass on each side; programs slower than the kernel: %d "
                + "(the highest ratio %.2f, %s); load average %s at the start, %s at the end%n", runs, slower, worst,
                worstName, loadBefore, loadAverage());
    }

    /** The 1, 5 and 15 minute load averages, as /proc/loadavg gives them ("?" elsewhere). */
    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }

    /** The kernel's object name as bpf4j-linux gives it: 15 bytes, other characters as '_'. */
    private static String objectName(String name) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < name.length() && b.length() < 15; i++) {
            char c = name.charAt(i);
            b.append(Character.isLetterOrDigit(c) && c < 128 || c == '_' || c == '.' ? c : '_');
        }
        return b.toString();
    }

    private static String name(ObjectSpec spec, String[] f) {
        return f[3].equals("-") ? spec.programs().stream().filter(q -> q.sectionName().equals(f[2])).findFirst()
                .orElseThrow().name() : f[3];
    }
}
