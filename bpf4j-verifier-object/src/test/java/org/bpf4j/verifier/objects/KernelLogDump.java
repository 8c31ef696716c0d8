package org.bpf4j.verifier.objects;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
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
import org.bpf4j.verifier.VerifierOptions;

/**
 * A developer aid (a main, not a test): writes the kernel's verifier log and bpf4j's for one corpus
 * program, to compare where each prunes. Arguments: OBJECT FUNCTION TYPE LEVEL OUTDIR [kernel|bpf4j|both].
 */
final class KernelLogDump {
    private KernelLogDump() {
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus", "ebpf-samples");
        Path file = root.resolve(args[0]);
        String name = args[1];
        ProgramType type = ProgramType.byName(args[2]).orElseThrow();
        int level = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        String which = args.length > 5 ? args[5] : "both";
        ObjectSpec spec = ObjectFile.read(file);
        if (!which.equals("kernel")) {
            VerifierInput in = ObjectInputs.input(spec, spec.linkedProgram(name), type);
            long t0 = System.nanoTime();
            VerificationResult r = Verifier.verify(in, VerifierOptions.defaults().withLogLevel(level));
            System.out.printf("bpf4j: %s processed %d in %.1f ms%n", r.accepted(), r.processed(), (System.nanoTime() - t0) / 1e6);
            Files.writeString(out.resolve("bpf4j.log"), r.log());
        }
        if (which.equals("bpf4j")) {
            return;
        }
        Bpf real = Kernel.system().bpf();
        Bpf recording = (Bpf) Proxy.newProxyInstance(Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class},
                (proxy, m, a) -> {
                    try {
                        if (m.getName().equals("progLoad")) {
                            Bpf.ProgLoad attr = ((Bpf.ProgLoad) a[0]).withLog(level | 4, 1 << 28);
                            Bpf.LoadResult r = real.progLoad(attr);
                            Files.writeString(out.resolve("kernel.log"), r.log());
                            System.out.println("kernel: " + r.ok() + " " + r.log().length() + " chars");
                            return r;
                        }
                        return m.invoke(real, a);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Kernel kernel = new Kernel(recording, Kernel.system().cpus(), () -> Kernel.system().vmlinuxBtf());
        LoadOptions options = LoadOptions.defaults().withPrograms(Set.of(name)).withTypes(Map.of(name, type))
                .withLayout(DataLayout.read(file)).withDefaultLicense("GPL").withoutPinning();
        try (KernelObject obj = kernel.load(spec, options)) {
            obj.outcomes().size();
        }
    }
}
