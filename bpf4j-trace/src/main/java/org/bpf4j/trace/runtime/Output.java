package org.bpf4j.trace.runtime;

import java.io.PrintWriter;
import java.util.List;

/**
 * Where and how a running script's output goes: bpftrace's text format or its JSON lines
 * ({@code -f json}). Implementations render; {@link MapPrinter} decides what to print.
 */
public sealed interface Output permits Output.Text, Output.Json {
    /** The stream written to. */
    PrintWriter out();

    /**
     * Current bpftrace's {@code Attached N probes} (on the error stream in text form; 0.17 printed
     * {@code Attaching N probes...} on the output before attaching).
     */
    void attached(int probes);

    /** The text of a printf. */
    void printf(String text);

    /** The text of a time(). */
    void time(String text);

    /** A print() of a value, already rendered by {@link #quote} rules. */
    void value(String rendered);

    /** The contents of a file, as cat() prints them. */
    void cat(String text);

    /**
     * What a command run by system() printed (its standard output and error), when it exited with 0:
     * text form adds a newline after it, as current bpftrace.
     */
    void syscall(String text);

    /** The line a join() prints (without its newline). */
    void join(String text);

    /**
     * Events the programs could not send (the ring buffer was full), counted since the last report:
     * current bpftrace's {@code Lost N events}, on the error stream in text form (0.17 printed it
     * with the script's output), a {@code lost_events} record in JSON.
     */
    void lost(long n);

    /**
     * A message of the runtime itself, as current bpftrace logs it: {@code WARNING: TEXT} (or
     * {@code ERROR: TEXT} when {@code error}) on the error stream, in either form (bpftrace's
     * {@code LOG}, which JSON output does not change).
     */
    void log(boolean error, String text);

    /**
     * The result of benchmark {@code index} of {@code names} ({@code --mode bench}): the mean time
     * of a run in nanoseconds and the number of runs measured. The text form prints a table, with
     * its header before the first.
     */
    void benchmark(List<String> names, int index, long averageNanos, long iterations);

    /**
     * The result of test {@code index} of {@code names} ({@code --mode test}): how long its run took,
     * whether each test so far passed, and what it printed (shown in text only when it failed). The
     * text form prints a header before the first and a summary after the last, as bpftrace.
     */
    void testResult(List<String> names, int index, long durationNanos, List<Boolean> passed, String output);

    /**
     * A helper call that failed (checked by default for map updates, with {@code -k} for more): its
     * name, return code, the error's text ({@code strerror}), its place in the script (the script's
     * name, line and column from 1, 0 if unknown), and the warning as bpftrace renders it in text
     * (printed on the error stream, as current bpftrace; 0.17 printed it with the script's output).
     */
    void helperError(String helper, long retcode, String error, String file, int line, int col, String rendered);

    /**
     * The message of an {@code errorf()} or {@code warnf()}: the formatted text with the call's place
     * ({@code file}, line and column from 1, 0 if unknown), and {@code header} the place and
     * severity as bpftrace's text form prefixes it ({@code stdin:1:9-62: ERROR: }).
     */
    void diagnostic(boolean error, String message, String file, int line, int col, String header);

    /**
     * As {@link #diagnostic(boolean, String, String, int, int, String)}, with the macro calls the
     * {@code errorf()} or {@code warnf()} was expanded from, as bpftrace renders them
     * ({@code stdin:1:50-55: ERROR: expanded from}, the source line, its underline), or "": the
     * text form prints them after the message.
     */
    default void diagnostic(boolean error, String message, String file, int line, int col, String header,
            String expansions) {
        diagnostic(error, message, file, line, col, header);
    }

    /**
     * A warning of the running program (current bpftrace's runtime errors, such as a division by
     * 0): the message, its place (line and column from 1, 0 if unknown) and the warning as
     * bpftrace renders it in text (with the source line).
     */
    void runtimeWarning(String message, String file, int line, int col, String rendered);

    /** A map print: its kind ("map", "hist", "stats"), name, elements (key text, value text), keyed or not. */
    void map(String kind, String name, List<String[]> elements, boolean keyed, boolean stats, boolean hist);

    /** True for JSON (strings quoted, tuples as arrays). */
    boolean json();

    /**
     * The bpftrace text format.
     *
     * @param out where the script's output goes
     * @param err where bpftrace's messages about the run go ({@code Attached N probes}, lost events,
     *     failed helper calls, warnings and errors of the running script)
     */
    record Text(PrintWriter out, PrintWriter err) implements Output {
        /** Text on {@code out}, messages on this process's standard error. */
        public Text(PrintWriter out) {
            this(out, new PrintWriter(System.err, true));
        }

        @Override
        public void attached(int probes) {
            err.println("Attached " + probes + (probes == 1 ? " probe" : " probes"));
            err.flush();
        }

        @Override
        public void printf(String text) {
            out.print(text);
        }

        @Override
        public void time(String text) {
            out.print(text);
        }

        @Override
        public void value(String rendered) {
            out.println(rendered);
        }

        @Override
        public void join(String text) {
            out.println(text);
        }

        @Override
        public void cat(String text) {
            out.print(text);
        }

        @Override
        public void syscall(String text) {
            // current bpftrace's TextOutput ends it with a newline of its own (0.17 printed it as is)
            out.print(text);
            out.println();
        }

        @Override
        public void lost(long n) {
            out.flush();
            err.println("Lost " + n + " events");
            err.flush();
        }

        @Override
        public void log(boolean error, String text) {
            out.flush();
            err.println((error ? "ERROR: " : "WARNING: ") + text);
            err.flush();
        }

        @Override
        public void benchmark(List<String> names, int index, long averageNanos, long iterations) {
            // bpftrace's table: names in a column at least 40 wide, times in one of 15
            int width = Math.max(40, names.stream().mapToInt(String::length).max().orElse(0)) + 1;
            if (index == 0) {
                out.println(pad("Benchmark", width) + pad("Time(ns)", 15) + "Iterations");
                out.println("-".repeat(width + 15 + "Iterations".length()));
            }
            out.println(pad(names.get(index), width) + pad(Long.toString(averageNanos), 15) + iterations);
        }

        @Override
        public void testResult(List<String> names, int index, long durationNanos, List<Boolean> passed,
                String output) {
            String green = "\033[32m";
            String red = "\033[31m";
            String reset = "\033[0m";
            String name = names.get(index);
            if (index == 0) {
                out.println(green + "[==========]" + reset + " Running " + names.size() + " tests.");
            }
            out.println(green + "[ RUN      ]" + reset + " " + name);
            if (passed.get(index)) {
                out.print(green + "[       OK ]" + reset + " " + name);
            } else {
                output.lines().filter(l -> !l.isEmpty()).forEach(out::println);
                out.print(red + "[  FAILED  ]" + reset + " " + name);
            }
            // bpftrace's duration_str units: s, ms, "mu s" or ns (current bpftrace prints the unit's
            // scale there, 1000 for any time in microseconds: bpf4j prints the time in that unit)
            long[] scales = {1_000_000_000L, 1_000_000L, 1_000L, 1L};
            String[] units = {"s", "ms", "\u03bcs", "ns"};
            int u = 0;
            while (u < 3 && durationNanos < scales[u]) {
                u++;
            }
            out.println(" (" + durationNanos / scales[u] + " " + units[u] + ")");
            if (index == names.size() - 1) {
                long ok = passed.stream().filter(p -> p).count();
                long failed = passed.size() - ok;
                out.println(green + "[==========]" + reset + " " + names.size() + " " + tests(names.size()) + " ran.");
                out.println(green + "[  PASSED  ]" + reset + " " + ok + " " + tests(ok) + ".");
                if (failed > 0) {
                    out.println(red + "[  FAILED  ]" + reset + " " + failed + " " + tests(failed) + ", listed below:");
                    for (int i = 0; i < passed.size(); i++) {
                        if (!passed.get(i)) {
                            out.println(red + "[  FAILED  ]" + reset + " " + names.get(i));
                        }
                    }
                }
            }
        }

        private static String tests(long n) {
            return n == 1 ? "test" : "tests";
        }

        private static String pad(String s, int width) {
            return s.length() >= width ? s : s + " ".repeat(width - s.length());
        }

        @Override
        public void helperError(String helper, long retcode, String error, String file, int line, int col,
                String rendered) {
            out.flush();
            err.print(rendered);
            err.flush();
        }

        @Override
        public void runtimeWarning(String message, String file, int line, int col, String rendered) {
            out.flush();
            err.print(rendered);
            err.flush();
        }

        @Override
        public void diagnostic(boolean error, String message, String file, int line, int col, String header) {
            out.flush();
            err.println(header + message);
            err.flush();
        }

        @Override
        public void diagnostic(boolean error, String message, String file, int line, int col, String header,
                String expansions) {
            out.flush();
            err.println(header + message);
            err.print(expansions);
            err.flush();
        }

        @Override
        public void map(String kind, String name, List<String[]> elements, boolean keyed, boolean stats, boolean hist) {
            if (elements.isEmpty()) {
                return; // current bpftrace prints nothing for a map without elements (0.17 printed an empty line)
            }
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < elements.size(); i++) {
                if (i > 0) {
                    sb.append('\n');
                }
                // current bpftrace: "@h:" then the histogram's lines (0.17 left a space after the colon)
                sb.append(elements.get(i)[0]).append(hist ? ":\n" : ": ");
                sb.append(elements.get(i)[1]);
            }
            sb.append('\n');
            if (stats) {
                sb.append('\n');
            }
            out.print(sb);
        }

        @Override
        public boolean json() {
            return false;
        }
    }

    /**
     * bpftrace's JSON lines.
     *
     * @param out where the records go (every record, lost events and failed helper calls included)
     * @param err where the runtime's own log messages go ({@link #log}), as in text form
     */
    record Json(PrintWriter out, PrintWriter err) implements Output {
        /** JSON on {@code out}, log messages on this process's standard error. */
        public Json(PrintWriter out) {
            this(out, new PrintWriter(System.err, true));
        }

        @Override
        public void attached(int probes) {
            out.println("{\"type\": \"attached_probes\", \"count\": " + probes + ", \"data\": {\"probes\": "
                    + probes + "}}");
        }

        @Override
        public void printf(String text) {
            out.println("{\"type\": \"printf\", \"data\": \"" + escape(text) + "\"}");
        }

        @Override
        public void time(String text) {
            out.println("{\"type\": \"time\", \"data\": \"" + escape(text) + "\"}");
        }

        @Override
        public void value(String rendered) {
            out.println("{\"type\": \"value\", \"data\": " + rendered + "}");
        }

        @Override
        public void join(String text) {
            out.println("{\"type\": \"join\", \"data\": \"" + escape(text) + "\"}");
        }

        @Override
        public void cat(String text) {
            out.println("{\"type\": \"cat\", \"data\": \"" + escape(text) + "\"}");
        }

        @Override
        public void syscall(String text) {
            out.println("{\"type\": \"syscall\", \"data\": \"" + escape(text) + "\"}");
        }

        @Override
        public void lost(long n) {
            // current bpftrace: a count beside the data (0.17: the data only)
            out.println("{\"type\": \"lost_events\", \"count\": " + n + ", \"data\": {\"events\": " + n + "}}");
        }

        @Override
        public void log(boolean error, String text) {
            out.flush();
            err.println((error ? "ERROR: " : "WARNING: ") + text);
            err.flush();
        }

        @Override
        public void benchmark(List<String> names, int index, long averageNanos, long iterations) {
            out.println("{\"type\": \"benchmark_result\", \"data\": {\"" + escape(names.get(index))
                    + "\": {\"average\": " + averageNanos + ", \"iters\": " + iterations + "}}}");
        }

        @Override
        public void testResult(List<String> names, int index, long durationNanos, List<Boolean> passed,
                String output) {
            out.println("{\"type\": \"test_result\", \"data\": {\"" + escape(names.get(index)) + "\": {\"duration\": "
                    + durationNanos + ", \"passed\": " + passed.get(index) + ", \"output\": \"" + escape(output)
                    + "\"}}}");
        }

        @Override
        public void helperError(String helper, long retcode, String error, String file, int line, int col,
                String rendered) {
            out.println("{\"type\": \"helper_error\", \"msg\": \"" + escape(error) + "\", \"helper\": \""
                    + escape(helper) + "\", \"retcode\": " + retcode + ", \"filename\": \"" + escape(file)
                    + "\", \"line\": " + line + ", \"col\": " + col + "}");
        }

        @Override
        public void runtimeWarning(String message, String file, int line, int col, String rendered) {
            out.println("{\"type\": \"runtime_error\", \"msg\": \"" + escape(message) + "\", \"filename\": \""
                    + escape(file) + "\", \"line\": " + line + ", \"col\": " + col + "}");
        }

        @Override
        public void diagnostic(boolean error, String message, String file, int line, int col, String header) {
            out.println("{\"type\": \"" + (error ? "errorf" : "warnf") + "\", \"msg\": \"" + escape(message)
                    + "\", \"filename\": \"" + escape(file) + "\", \"line\": " + line + ", \"col\": " + col + "}");
        }

        @Override
        public void map(String kind, String name, List<String[]> elements, boolean keyed, boolean stats, boolean hist) {
            if (elements.isEmpty()) {
                return;
            }
            StringBuilder sb = new StringBuilder("{\"type\": \"" + kind + "\", \"data\": {\"" + escape(name) + "\": ");
            if (keyed) {
                sb.append('{');
            }
            for (int i = 0; i < elements.size(); i++) {
                if (i > 0) {
                    sb.append(", ");
                }
                String key = elements.get(i)[0];
                sb.append(key.isEmpty() ? "" : key + ": ").append(elements.get(i)[1]);
            }
            if (keyed) {
                sb.append('}');
            }
            sb.append("}}");
            out.println(sb);
        }

        @Override
        public boolean json() {
            return true;
        }
    }

    /** JSON string escaping as bpftrace does it. */
    static String escape(String s) {
        StringBuilder sb = new StringBuilder();
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c <= 0x1f) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
