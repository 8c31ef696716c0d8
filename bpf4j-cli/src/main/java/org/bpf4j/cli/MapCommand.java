package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.spec.MapType;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j map show|dump|lookup|update|delete|getnext}: maps in the kernel, as bpftool's
 * {@code map} verbs. A map is named {@code id N} or {@code pinned PATH}; keys and values are bytes
 * ({@code key 1 0 0 0}, {@code key 0x01 0 0 0}, {@code key hex 01 00 00 00}).
 */
@Command(name = "map", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "Lists the kernel's maps and reads and writes their elements (needs root or CAP_BPF).",
        subcommands = {MapCommand.Show.class, MapCommand.Dump.class, MapCommand.Lookup.class, MapCommand.Update.class,
            MapCommand.Delete.class, MapCommand.GetNext.class, HelpCommand.class})
final class MapCommand implements Callable<Integer> {
    private static final List<String> VALUE_STOPS = List.of("value");
    private static final List<String> FLAG_WORDS = List.of("any", "exist", "noexist");
    private static final HexFormat HEX = HexFormat.ofDelimiter(" ");

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

    /** Opens the map that {@code id N} or {@code pinned PATH} names; the caller closes it. */
    static KernelMap open(String command, Words w) {
        String[] ref = w.object("pinned");
        Kernel kernel = KernelAccess.kernel();
        return KernelCalls.call(command, () -> ref[0].equals("id") ? kernel.openMap(w.parseId(ref[1]))
                : kernel.openPinnedMap(ref[1]));
    }

    /** bpftool's JSON for bytes: {@code ["0x01", "0x00", ...]}. */
    static List<Object> jsonBytes(byte[] b) {
        List<Object> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(String.format("0x%02x", x & 0xff));
        }
        return out;
    }

    /** One element as text: {@code key: .. value: ..}, or per CPU on lines of their own. */
    static void printElement(PrintWriter out, KernelMap m, byte[] key, byte[] value) {
        if (m.perCpu()) {
            out.println("key: " + HEX.formatHex(key));
            List<byte[]> values = m.splitPerCpu(value);
            for (int cpu = 0; cpu < values.size(); cpu++) {
                out.println("\tcpu" + cpu + ": " + HEX.formatHex(values.get(cpu)));
            }
        } else {
            out.println("key: " + HEX.formatHex(key) + "  value: " + HEX.formatHex(value));
        }
    }

    static Map<String, Object> jsonElement(KernelMap m, byte[] key, byte[] value) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("key", jsonBytes(key));
        if (m.perCpu()) {
            List<Object> values = new ArrayList<>();
            List<byte[]> split = m.splitPerCpu(value);
            for (int cpu = 0; cpu < split.size(); cpu++) {
                Map<String, Object> v = new LinkedHashMap<>();
                v.put("cpu", cpu);
                v.put("value", jsonBytes(split.get(cpu)));
                values.add(v);
            }
            e.put("values", values);
        } else {
            e.put("value", jsonBytes(value));
        }
        return e;
    }

    /** {@code bpf4j map show [id N] [--json]}. */
    @Command(name = "show", aliases = "list", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Lists the maps in the kernel (or one, with 'id N'): ID: TYPE  name NAME  flags 0xF, "
                    + "then key, value and max_entries.")
    static final class Show implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N", arity = "0..2", description = "only the map with this id")
        private List<String> which = List.of();

        @Option(names = "--json", description = "print a JSON array of objects, one per map")
        private boolean json;

        @Override
        public Integer call() {
            List<KernelInfo.MapInfo> infos = KernelCalls.shown("map show", which, KernelIds.Kind.MAP, KernelInfo::mapInfo);
            PrintWriter out = spec.commandLine().getOut();
            List<Object> all = new ArrayList<>();
            for (KernelInfo.MapInfo info : infos) {
                if (json) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("id", info.id());
                    m.put("type", typeName(info.type()));
                    m.put("name", info.name());
                    m.put("flags", info.flags());
                    m.put("bytes_key", info.keySize());
                    m.put("bytes_value", info.valueSize());
                    m.put("max_entries", info.maxEntries());
                    m.put("btf_id", info.btfId());
                    all.add(m);
                } else {
                    out.println(info.id() + ": " + typeName(info.type()) + (info.name().isEmpty() ? "" : "  name "
                            + info.name()) + "  flags 0x" + Integer.toHexString(info.flags()));
                    out.println("\tkey " + info.keySize() + "B  value " + info.valueSize() + "B  max_entries "
                            + info.maxEntries() + (info.btfId() != 0 ? "  btf_id " + info.btfId() : ""));
                }
            }
            if (json) {
                out.print(Json.write(which.isEmpty() ? all : all.get(0)));
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** {@code bpf4j map dump id N | pinned PATH [--json]} (also {@code --id N}, {@code --pinned PATH}). */
    @Command(name = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Prints every element of a map as key: HEX  value: HEX (one value per CPU for per-CPU maps).")
    static final class Dump implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N | pinned PATH", arity = "0..2")
        private List<String> which = List.of();

        @Option(names = "--id", paramLabel = "ID", description = "the map's kernel id (same as 'id N')")
        private Integer id;

        @Option(names = "--pinned", paramLabel = "PATH", description = "where the map is pinned (same as 'pinned PATH')")
        private String pinned;

        @Option(names = "--json", description = "print a JSON array of elements")
        private boolean json;

        @Override
        public Integer call() {
            List<String> words = new ArrayList<>(which);
            if (id != null) {
                words.addAll(List.of("id", id.toString()));
            }
            if (pinned != null) {
                words.addAll(List.of("pinned", pinned));
            }
            Words w = new Words("map dump", words);
            PrintWriter out = spec.commandLine().getOut();
            try (KernelMap m = open("map dump", w)) {
                w.end();
                int n = 0;
                List<Object> all = new ArrayList<>();
                for (byte[] key : m.keys()) {
                    Optional<byte[]> value = m.lookup(key);
                    if (value.isEmpty()) {
                        continue;
                    }
                    n++;
                    if (json) {
                        all.add(jsonElement(m, key, value.get()));
                    } else {
                        printElement(out, m, key, value.get());
                    }
                }
                if (json) {
                    out.print(Json.write(all));
                } else {
                    out.println("Found " + n + " element" + (n == 1 ? "" : "s"));
                }
            } catch (Bpf4jException e) {
                throw new CommandFailure(Main.EXIT_FAILED, "map dump: " + e.getMessage(), e);
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** {@code bpf4j map lookup id N key BYTES [--json]}. */
    @Command(name = "lookup", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Prints the value of one key (exit 1 if the map has no such key).")
    static final class Lookup implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N|pinned PATH key [hex] BYTES", arity = "1..*")
        private List<String> words;

        @Option(names = "--json", description = "print a JSON object")
        private boolean json;

        @Override
        public Integer call() {
            Words w = new Words("map lookup", words);
            PrintWriter out = spec.commandLine().getOut();
            try (KernelMap m = open("map lookup", w)) {
                byte[] key = w.labelledBytes("key", m.keySize(), List.of());
                w.end();
                Optional<byte[]> value = KernelCalls.call("map lookup", () -> m.lookup(key));
                if (value.isEmpty()) {
                    throw new CommandFailure(Main.EXIT_FAILED, "map lookup: no element with key " + HEX.formatHex(key)
                            + " in map " + m.name(), null);
                }
                if (json) {
                    out.print(Json.write(jsonElement(m, key, value.get())));
                } else {
                    printElement(out, m, key, value.get());
                }
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }

    /** {@code bpf4j map update id N key BYTES value BYTES [any|exist|noexist]}. */
    @Command(name = "update", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Writes one element. For per-CPU maps the value is given once and written to every CPU.",
                "any (default): create or replace; exist: only replace; noexist: only create."})
    static final class Update implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N|pinned PATH key [hex] BYTES value [hex] BYTES [any|exist|noexist]",
                arity = "1..*")
        private List<String> words;

        @Override
        public Integer call() {
            Words w = new Words("map update", words);
            try (KernelMap m = open("map update", w)) {
                byte[] key = w.labelledBytes("key", m.keySize(), VALUE_STOPS);
                byte[] value = w.labelledBytes("value", m.valueSize(), FLAG_WORDS);
                long flags = KernelMap.ANY;
                if (w.accept("exist")) {
                    flags = KernelMap.EXIST;
                } else if (w.accept("noexist")) {
                    flags = KernelMap.NOEXIST;
                } else {
                    w.accept("any");
                }
                w.end();
                long f = flags;
                KernelCalls.call("map update", () -> {
                    if (m.perCpu()) {
                        List<byte[]> all = new ArrayList<>();
                        for (int cpu = 0; cpu < m.splitPerCpu(new byte[m.transferValueSize()]).size(); cpu++) {
                            all.add(value);
                        }
                        m.updatePerCpu(key, all, f);
                    } else {
                        m.update(key, value, f);
                    }
                    return null;
                });
            }
            return Main.EXIT_OK;
        }
    }

    /** {@code bpf4j map delete id N key BYTES}. */
    @Command(name = "delete", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Deletes one element (exit 1 if the map has no such key).")
    static final class Delete implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N|pinned PATH key [hex] BYTES", arity = "1..*")
        private List<String> words;

        @Override
        public Integer call() {
            Words w = new Words("map delete", words);
            try (KernelMap m = open("map delete", w)) {
                byte[] key = w.labelledBytes("key", m.keySize(), List.of());
                w.end();
                if (!KernelCalls.call("map delete", () -> m.delete(key))) {
                    throw new CommandFailure(Main.EXIT_FAILED, "map delete: no element with key " + HEX.formatHex(key)
                            + " in map " + m.name(), null);
                }
            }
            return Main.EXIT_OK;
        }
    }

    /** {@code bpf4j map getnext id N [key BYTES] [--json]}. */
    @Command(name = "getnext", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = "Prints the key after KEY (the first key without one); exit 1 at the last key.")
    static final class GetNext implements Callable<Integer> {
        @Spec
        private CommandSpec spec;

        @Parameters(paramLabel = "id N|pinned PATH [key [hex] BYTES]", arity = "1..*")
        private List<String> words;

        @Option(names = "--json", description = "print a JSON object")
        private boolean json;

        @Override
        public Integer call() {
            Words w = new Words("map getnext", words);
            PrintWriter out = spec.commandLine().getOut();
            try (KernelMap m = open("map getnext", w)) {
                byte[] key = w.accept("key") ? w.bytes("key", m.keySize(), List.of()) : null;
                w.end();
                Optional<byte[]> next = KernelCalls.call("map getnext", () -> m.nextKey(key));
                if (next.isEmpty()) {
                    throw new CommandFailure(Main.EXIT_FAILED, "map getnext: "
                            + (key == null ? "map " + m.name() + " is empty" : "no key after " + HEX.formatHex(key)),
                            null);
                }
                if (json) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("key", key == null ? null : jsonBytes(key));
                    o.put("next_key", jsonBytes(next.get()));
                    out.print(Json.write(o));
                } else {
                    out.println("key: " + (key == null ? "None" : HEX.formatHex(key)));
                    out.println("next key: " + HEX.formatHex(next.get()));
                }
            }
            out.flush();
            return Main.EXIT_OK;
        }
    }
}
