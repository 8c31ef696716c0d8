package org.bpf4j.verifier.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.junit.jupiter.api.Test;

/**
 * Loads every object of {@code objects/verdicts.tsv} into the running kernel through bpf4j's
 * loader and checks that the kernel's verdict on each listed program is the one the file gives
 * (which {@link ObjectVerdictsTest} checks bpf4j's verifier against). Skipped, with the reason,
 * when bpf() is unavailable; a program the kernel cannot judge (a kernel variable it has no
 * address for) is counted apart, with its reason.
 */
class ObjectVerdictsKernelTest {
    /**
     * Linux's refusal, before verifying, of a typed kernel variable it has no address for: a kernel
     * built without {@code CONFIG_KALLSYMS_ALL} lists no variables in kallsyms (this machine's
     * 6.18 is one), so it cannot judge ksyms.o's programs; their verdicts are those of a kernel that
     * has the addresses, as bpf4j's verifier gives them from the kernel's BTF.
     */
    private static final String NO_SYMBOL_ADDRESS = "ldimm64 failed to find the address for kernel symbol";

    @Test
    void kernelVerdictsAreTheListedOnes() {
        Kernel.Availability a = Kernel.probe();
        assumeTrue(a.available(), "kernel check of the object verdicts skipped: " + a.reason());
        Kernel kernel = Kernel.system();
        Map<String, List<ObjectVerdicts>> byObject = ObjectVerdicts.all().stream()
                .collect(Collectors.groupingBy(ObjectVerdicts::object, LinkedHashMap::new, Collectors.toList()));
        Map<String, String> problems = new TreeMap<>();
        List<String> notJudged = new ArrayList<>();
        int checked = 0;
        for (var e : byObject.entrySet()) {
            java.nio.file.Path file = ObjectVerdicts.DIR.resolve(e.getKey());
            ObjectSpec spec = ObjectFile.read(file);
            Set<String> names = e.getValue().stream().map(ObjectVerdicts::program).collect(Collectors.toSet());
            LoadOptions options = LoadOptions.defaults().withoutPinning().withPrograms(names)
                    .withLayout(DataLayout.read(file));
            Map<String, String> outcome = new TreeMap<>();
            try (KernelObject obj = kernel.load(spec, options)) {
                for (KernelObject.Outcome o : obj.outcomes()) {
                    outcome.put(o.name(), switch (o) {
                        case KernelObject.Outcome.Loaded l -> "accepted";
                        case KernelObject.Outcome.Rejected r -> "rejected: " + r.error().getMessage();
                    });
                }
            }
            for (ObjectVerdicts v : e.getValue()) {
                String got = outcome.getOrDefault(v.program(), "not loaded");
                if (got.contains(NO_SYMBOL_ADDRESS)) {
                    notJudged.add(v.object() + " " + v.program() + ": " + got);
                    continue;
                }
                checked++;
                if (got.equals("accepted") != v.accept()) {
                    problems.put(v.object() + " " + v.program(), "listed " + (v.accept() ? "accept" : "reject")
                            + ", kernel: " + got);
                }
            }
        }
        System.out.println("object verdicts in the kernel: " + (checked - problems.size()) + " of " + checked + " agree, "
                + notJudged.size() + " not judged by the kernel");
        notJudged.forEach(n -> System.out.println("  not judged: " + n));
        problems.forEach((k, v) -> System.out.println("  MISMATCH " + k + ": " + v));
        assertEquals(Map.of(), problems);
    }
}
