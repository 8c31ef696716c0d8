package org.bpf4j.vm.testprogs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One file of {@code testprogs/expected/}: the kernel's results for the cases of one object,
 * in the format {@code testprogs/README.md} describes. Parsing is strict; a malformed file gives
 * an {@link IllegalArgumentException} naming the file and line.
 *
 * @param path the file
 * @param object the object path relative to {@code testprogs/} (such as {@code maps.o})
 * @param cases the cases in file order
 */
record ExpectedFile(Path path, String object, List<Case> cases) {

    /** A case: a fresh load of the object, host map updates, then runs of one program. */
    record Case(String name, int line, String program, Optional<String> note, List<Update> updates, List<Run> runs,
            Map<String, MapState> maps) {
    }

    /** A host map update ({@code BPF_ANY}) before the first run. */
    record Update(String map, byte[] key, byte[] value) {
    }

    /** One {@code BPF_PROG_TEST_RUN}: the input and what the kernel gave back. */
    record Run(byte[] dataIn, Optional<byte[]> ctxIn, Outcome outcome) {
    }

    /** What a run gave: a return value with the outputs, or a refusal of the input. */
    sealed interface Outcome {
        /** The program ran: R0 as an unsigned 32-bit number, data_out, ctx_out when ctx_in was given. */
        record Returned(long retval, byte[] dataOut, Optional<byte[]> ctxOut) implements Outcome {
        }

        /** The test run refused the input with an errno, such as {@code EINVAL}. */
        record Refused(String errno) implements Outcome {
        }
    }

    /**
     * A map's contents after the last run: per-key values (for per-CPU maps the value on CPU 0,
     * every other CPU holding zeros), values in pop order for queues and stacks, or a reason the
     * contents are not recorded. Array maps list only their non-zero elements.
     */
    record MapState(String name, String type, List<Entry> entries, List<byte[]> pops, Optional<String> skipped,
            List<byte[]> order) {
    }

    /** A key and its value ({@code cpu0} for per-CPU maps). */
    record Entry(byte[] key, byte[] value, boolean perCpu) {
    }

    static ExpectedFile parse(Path path) {
        List<String> lines;
        try {
            lines = Files.readAllLines(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Parser(path, lines).parse();
    }

    private static final class Parser {
        private final Path path;
        private final List<String> lines;
        private int at;

        Parser(Path path, List<String> lines) {
            this.path = path;
            this.lines = lines;
        }

        private IllegalArgumentException error(String message) {
            return new IllegalArgumentException(path.getFileName() + ":" + (at + 1) + ": " + message);
        }

        private byte[] hex(String s) {
            if (s.equals("-")) {
                return new byte[0];
            }
            try {
                return HexFormat.of().parseHex(s);
            } catch (IllegalArgumentException e) {
                throw error("bad hex '" + (s.length() > 40 ? s.substring(0, 40) + "…" : s) + "'");
            }
        }

        private String[] next() {
            while (at < lines.size()) {
                String l = lines.get(at).strip();
                if (!l.isEmpty() && !l.startsWith("#")) {
                    return l.split(" ", -1);
                }
                at++;
            }
            return null;
        }

        ExpectedFile parse() {
            String[] w = next();
            if (w == null || !w[0].equals("object") || w.length != 2) {
                throw error("expected 'object FILE.o' first");
            }
            String object = w[1];
            at++;
            List<Case> cases = new ArrayList<>();
            while ((w = next()) != null) {
                if (!w[0].equals("case") || w.length != 2) {
                    throw error("expected 'case NAME', found '" + w[0] + "'");
                }
                cases.add(parseCase(w[1]));
            }
            if (cases.isEmpty()) {
                throw error("no cases");
            }
            return new ExpectedFile(path, object, List.copyOf(cases));
        }

        private Case parseCase(String name) {
            int line = at + 1;
            at++;
            String program = null;
            Optional<String> note = Optional.empty();
            List<Update> updates = new ArrayList<>();
            List<Run> runs = new ArrayList<>();
            Map<String, MapState> maps = new LinkedHashMap<>();
            String[] w;
            while ((w = next()) != null) {
                String raw = lines.get(at).strip();
                switch (w[0]) {
                    case "note" -> note = Optional.of(raw.substring(5));
                    case "program" -> program = arg(w, 2)[1];
                    case "update" -> {
                        if (w.length != 6 || !w[2].equals("key") || !w[4].equals("value")) {
                            throw error("expected 'update MAP key HEX value HEX'");
                        }
                        if (!runs.isEmpty()) {
                            throw error("an update after a run");
                        }
                        updates.add(new Update(w[1], hex(w[3]), hex(w[5])));
                    }
                    case "run" -> {
                        at++;
                        runs.add(parseRun());
                        continue;
                    }
                    case "map" -> parseMap(w, raw, maps);
                    case "end" -> {
                        at++;
                        if (program == null || runs.isEmpty()) {
                            throw error("case '" + name + "' lacks a program or a run");
                        }
                        return new Case(name, line, program, note, List.copyOf(updates), List.copyOf(runs),
                                Map.copyOf(maps));
                    }
                    default -> throw error("unknown line '" + w[0] + "' in case '" + name + "'");
                }
                at++;
            }
            throw error("case '" + name + "' has no 'end'");
        }

        private String[] arg(String[] w, int n) {
            if (w.length != n) {
                throw error("'" + w[0] + "' takes " + (n - 1) + " argument(s)");
            }
            return w;
        }

        private Run parseRun() {
            byte[] data = null;
            Optional<byte[]> ctx = Optional.empty();
            Long retval = null;
            byte[] dataOut = null;
            Optional<byte[]> ctxOut = Optional.empty();
            String errno = null;
            String[] w;
            while ((w = next()) != null) {
                switch (w[0]) {
                    case "data_in" -> data = hex(arg(w, 2)[1]);
                    case "ctx_in" -> ctx = Optional.of(hex(arg(w, 2)[1]));
                    case "retval" -> {
                        long v;
                        try {
                            v = Long.parseLong(arg(w, 2)[1]);
                        } catch (NumberFormatException e) {
                            throw error("bad retval '" + w[1] + "'");
                        }
                        if (v < 0 || v > 0xffffffffL) {
                            throw error("retval " + v + " is not an unsigned 32-bit number");
                        }
                        retval = v;
                    }
                    case "data_out" -> dataOut = hex(arg(w, 2)[1]);
                    case "ctx_out" -> ctxOut = Optional.of(hex(arg(w, 2)[1]));
                    case "error" -> errno = arg(w, 2)[1];
                    default -> {
                        return finish(data, ctx, retval, dataOut, ctxOut, errno);
                    }
                }
                at++;
            }
            throw error("unexpected end of file in a run");
        }

        private Run finish(byte[] data, Optional<byte[]> ctx, Long retval, byte[] dataOut, Optional<byte[]> ctxOut,
                String errno) {
            if (data == null) {
                throw error("a run without data_in");
            }
            if (errno != null) {
                if (retval != null || dataOut != null) {
                    throw error("a refused run has no retval or data_out");
                }
                return new Run(data, ctx, new Outcome.Refused(errno));
            }
            if (retval == null || dataOut == null) {
                throw error("a run needs retval and data_out (or error)");
            }
            if (ctx.isPresent() != ctxOut.isPresent()) {
                throw error("ctx_out is given exactly when ctx_in is");
            }
            return new Run(data, ctx, new Outcome.Returned(retval, dataOut, ctxOut));
        }

        private void parseMap(String[] w, String raw, Map<String, MapState> maps) {
            if (w.length < 3) {
                throw error("expected 'map NAME ...'");
            }
            String name = w[1];
            if (w[2].equals("type")) {
                if (maps.containsKey(name)) {
                    throw error("map '" + name + "' listed twice");
                }
                maps.put(name, new MapState(name, arg(w, 4)[3], new ArrayList<>(), new ArrayList<>(),
                        Optional.empty(), new ArrayList<>()));
                return;
            }
            MapState m = maps.get(name);
            if (m == null) {
                throw error("map '" + name + "' before its 'type' line");
            }
            switch (w[2]) {
                case "key" -> {
                    if (w.length != 6 || !(w[4].equals("value") || w[4].equals("cpu0"))) {
                        throw error("expected 'map NAME key HEX value|cpu0 HEX'");
                    }
                    m.entries().add(new Entry(hex(w[3]), hex(w[5]), w[4].equals("cpu0")));
                }
                case "pop" -> m.pops().add(hex(arg(w, 4)[3]));
                case "skipped" -> maps.put(name, new MapState(name, m.type(), m.entries(), m.pops(),
                        Optional.of(raw.substring(raw.indexOf("skipped ") + 8)), m.order()));
                case "order" -> {
                    for (int i = 3; i < w.length; i++) {
                        if (!w[i].equals("-")) {
                            m.order().add(hex(w[i]));
                        }
                    }
                }
                default -> throw error("unknown map line '" + w[2] + "'");
            }
        }
    }
}
