package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Bpffs;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j prog load FILE.o}: loads an object's programs with their maps into the kernel and
 * prints one line per program, {@code NAME: loaded (id N)} or {@code NAME: rejected: MESSAGE}.
 * Without {@code --pin} everything is released when the command ends.
 */
@Command(name = "load", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Loads every program of an object file (or those named with --prog) into the kernel, with "
                + "its maps, BTF and CO-RE relocations, and prints NAME: loaded (id N) or NAME: rejected: MESSAGE.",
            "Without --pin the programs and maps are released when the command ends, except maps declared "
                + "pinning = LIBBPF_PIN_BY_NAME, which stay pinned under --pinmaps-root (as libbpf does).",
            "Exits with 1 if any program was rejected."})
final class ProgLoadCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE.o", description = "an eBPF ELF object file")
    private Path file;

    @Option(names = "--prog", paramLabel = "NAME", description = "load only this program (repeatable)")
    private List<String> programs = List.of();

    @Option(names = "--pin", paramLabel = "DIR",
            description = "pin each loaded program at DIR/NAME (DIR must be in a bpf file system, such as /sys/fs/bpf)")
    private Path pin;

    @Option(names = "--pinmaps-root", paramLabel = "DIR", defaultValue = "/sys/fs/bpf",
            description = "where maps declared pinning = LIBBPF_PIN_BY_NAME are pinned as DIR/NAME, and reused "
                    + "from when a compatible map is pinned there already (default: ${DEFAULT-VALUE}, as libbpf)")
    private Path pinmapsRoot;

    @Option(names = "--no-pinmaps", description = "create maps declared as pinned by name afresh, without pinning them")
    private boolean noPinmaps;

    @Option(names = "--type", paramLabel = "TYPE",
            description = "the program type of programs whose section name implies none (such as sched_cls, xdp)")
    private String type;

    @Option(names = "--log", description = "print the verifier's full log after each rejection")
    private boolean log;

    @Override
    public Integer call() {
        if (!Files.isRegularFile(file)) {
            throw CommandFailure.badInput(file + ": no such file");
        }
        ObjectSpec object;
        DataLayout layout;
        try {
            object = ObjectFile.read(file);
            layout = DataLayout.read(file);
        } catch (Bpf4jException e) {
            throw CommandFailure.about(file.toString(), e);
        }
        for (String p : programs) {
            if (object.program(p).isEmpty()) {
                throw CommandFailure.badInput(file + ": no program '" + p + "' (programs: " + String.join(", ",
                        object.programs().stream().map(x -> x.name()).toList()) + ")");
            }
        }
        LoadOptions options = LoadOptions.defaults().withPrograms(Set.copyOf(programs)).withLayout(layout);
        boolean pinsMaps = !noPinmaps && object.maps().stream()
                .anyMatch(m -> m.pinning() == 1 && m.origin() == MapSpec.Origin.BTF);
        options = noPinmaps ? options.withoutPinning() : options.withPinRoot(pinmapsRoot);
        if (type != null) {
            ProgramType t = ProgramType.byName(type).orElseThrow(() -> new ParameterException(spec.commandLine(),
                    "unknown program type '" + type + "'"));
            options = options.withFallbackType(t);
        }
        Kernel kernel = KernelAccess.kernel();
        if (pin != null) {
            preparePinDirectory(pin);
        }
        if (pinsMaps) {
            preparePinDirectory(pinmapsRoot);
        }
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        int rejected = 0;
        KernelObject loaded;
        try {
            loaded = kernel.load(object, options);
        } catch (Bpf4jException e) {
            throw CommandFailure.about(file.toString(), e);
        }
        try (KernelObject obj = loaded) {
            obj.warnings().forEach(w -> err.println("warning: " + file + ": " + w));
            for (KernelObject.PinnedMap m : obj.pinnedMaps()) {
                err.println("map " + m.map() + ": " + (m.reused() ? "reused the pin " : "pinned at ") + m.path());
            }
            for (KernelObject.Outcome o : obj.outcomes()) {
                switch (o) {
                    case KernelObject.Outcome.Loaded l -> {
                        if (pin != null) {
                            pinAt(l.program(), pin.resolve(l.name()));
                        }
                        out.println(l.name() + ": loaded (id " + l.program().id() + ")");
                    }
                    case KernelObject.Outcome.Rejected r -> {
                        rejected++;
                        out.println(r.name() + ": rejected: " + message(r));
                        if (log && r.error() instanceof VerifierException v) {
                            out.println(v.log().stripTrailing());
                        }
                    }
                }
            }
            out.flush();
            err.flush();
        }
        return rejected > 0 ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    private static String message(KernelObject.Outcome.Rejected r) {
        if (r.error() instanceof VerifierException v) {
            return (v.summary().isEmpty() ? "refused" : v.summary()) + " (" + v.errnoName() + ")";
        }
        String m = String.valueOf(r.error().getMessage());
        return m.endsWith("give one") ? m + " with --type" : m;
    }

    /** Mounts /sys/fs/bpf if the pins go there and nothing is mounted, as bpftool does; refuses other non-bpffs paths. */
    private void preparePinDirectory(Path pin) {
        Path abs = pin.toAbsolutePath().normalize();
        if (abs.startsWith(Bpffs.DEFAULT) && !Bpffs.contains(abs)) {
            try {
                Bpffs.mount(Bpffs.DEFAULT);
            } catch (Bpf4jException e) {
                throw new CommandFailure(Main.EXIT_FAILED, e.getMessage(), e);
            }
        }
        if (!Bpffs.contains(abs)) {
            throw CommandFailure.badInput(pin + ": not in a bpf file system (pin under /sys/fs/bpf, or mount one "
                    + "with: mount -t bpf bpf DIR)");
        }
    }

    private void pinAt(KernelProgram p, Path at) {
        try {
            Files.createDirectories(at.getParent());
        } catch (IOException e) {
            throw CommandFailure.io(at.getParent(), "create", e);
        }
        try {
            p.pin(at.toString());
        } catch (Bpf4jException e) {
            throw new CommandFailure(Main.EXIT_FAILED, file + ": program '" + p.name() + "': " + e.getMessage(), e);
        }
    }
}
