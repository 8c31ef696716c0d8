package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.MapType;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code bpf4j map list|dump}: maps in the kernel, as bpftool's {@code map} verbs. */
@Command(name = "map", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the kernel's maps and dumps their contents (needs root or CAP_BPF).",
        subcommands = {MapCommand.List.class, MapCommand.Dump.class, HelpCommand.class})
final class MapCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getErr());
        return Main.EXIT_BAD_INPUT;
    }

    private static String typeName(int type) {
        return MapType.byId(type).map(MapType::kernelName).orElse("type " + type);
    }

    /** {@code bpf4j map list}. */
    @Command(name = "list", aliases = "show", mixinStandardHelpOptions = true,
            versionProvider = VersionProvider.class,
            description = "Lists the maps in the kernel: ID: TYPE  name NAME  flags 0xF, then key, value and max_entries.")
    static final class List implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Override
        public Integer call() {
            Kernel kernel = KernelAccess.kernel();
            Bpf bpf = kernel.bpf();
            PrintWriter out = spec.commandLine().getOut();
            int id = 0;
            while ((id = bpf.getNextId(Bpf.Command.MAP_GET_NEXT_ID, id)) > 0) {
                KernelInfo.MapInfo info;
                try (Fd fd = new Fd(bpf.getFdById(Bpf.Command.MAP_GET_FD_BY_ID, id), bpf, "map " + id)) {
                    info = KernelInfo.mapInfo(bpf, fd.value());
                } catch (org.bpf4j.linux.KernelException e) {
                    continue; // freed meanwhile
                }
                out.println(info.id() + ": " + typeName(info.type()) + (info.name().isEmpty() ? "" : "  name "
                        + info.name()) + "  flags 0x" + Integer.toHexString(info.flags()));
                out.println("\tkey " + info.keySize() + "B  value " + info.valueSize() + "B  max_entries "
                        + info.maxEntries());
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** Which map: by id or by pin. */
    static final class Which {
        @Option(names = "--id", paramLabel = "ID", required = true, description = "the map's kernel id")
        Integer id;

        @Option(names = "--pinned", paramLabel = "PATH", required = true, description = "where the map is pinned")
        String pinned;
    }

    /** {@code bpf4j map dump}. */
    @Command(name = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Prints every element of a map as key: HEX  value: HEX (one value per CPU for per-CPU maps).")
    static final class Dump implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @ArgGroup(exclusive = true, multiplicity = "1")
        private Which which;

        @Override
        public Integer call() {
            Kernel kernel = KernelAccess.kernel();
            PrintWriter out = spec.commandLine().getOut();
            HexFormat hex = HexFormat.ofDelimiter(" ");
            String what = which.id != null ? "map id " + which.id : which.pinned;
            try (KernelMap m = which.id != null ? kernel.openMap(which.id) : kernel.openPinnedMap(which.pinned)) {
                int n = 0;
                for (byte[] key : m.keys()) {
                    Optional<byte[]> value = m.lookup(key);
                    if (value.isEmpty()) {
                        continue;
                    }
                    n++;
                    if (m.perCpu()) {
                        out.println("key: " + hex.formatHex(key));
                        java.util.List<byte[]> values = m.splitPerCpu(value.get());
                        for (int cpu = 0; cpu < values.size(); cpu++) {
                            out.println("\tcpu" + cpu + ": " + hex.formatHex(values.get(cpu)));
                        }
                    } else {
                        out.println("key: " + hex.formatHex(key) + "  value: " + hex.formatHex(value.get()));
                    }
                }
                out.println("Found " + n + " element" + (n == 1 ? "" : "s"));
            } catch (Bpf4jException e) {
                throw new CommandFailure(Main.EXIT_FAILED, what + ": " + e.getMessage(), e);
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
