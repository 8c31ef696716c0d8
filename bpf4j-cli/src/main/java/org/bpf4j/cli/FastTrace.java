package org.bpf4j.cli;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Starts {@code bpf4j trace} without picocli, which costs most of the start-up time: picocli's
 * classes are too old a class file version for the JVM's ahead-of-time cache, so they are loaded
 * and verified on every start, and its model of the command is built by reflection.
 *
 * <p>Parses the options named in {@link TraceCommand#FAST_OPTIONS} as picocli would: a flag, an
 * option with a value ({@code -e X}, {@code -eX}, {@code --backend X}, {@code --backend=X}),
 * clusters of short flags ({@code -lv}), {@code --debug}, {@code --} and the positional arguments. Anything else (help, version, an
 * unknown or repeated option, a missing value) is left to picocli, which reports it: {@link #run}
 * then returns an empty result. Stateless.
 */
final class FastTrace {
    private FastTrace() {}

    /**
     * Runs {@code bpf4j trace ...} if the arguments need nothing but plain option parsing.
     *
     * @param args the command's arguments, starting with {@code trace}
     * @param out standard output
     * @param err standard error
     * @return the exit status, or empty if picocli must handle these arguments
     */
    static OptionalInt run(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length == 0 || !args[0].equals("trace")) {
            return OptionalInt.empty();
        }
        TraceCommand command = new TraceCommand();
        boolean debug = false;
        List<String> rest = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        boolean endOfOptions = false;
        ArrayDeque<String> queue = new ArrayDeque<>(List.of(args).subList(1, args.length));
        while (!queue.isEmpty()) {
            String a = queue.removeFirst();
            if (endOfOptions || !a.startsWith("-") || a.equals("-")) {
                rest.add(a);
                continue;
            }
            if (a.equals("--")) {
                endOfOptions = true;
                continue;
            }
            if (a.equals("--debug")) {
                debug = true;
                continue;
            }
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (Boolean.TRUE.equals(TraceCommand.FAST_OPTIONS.get(a))) {
                // a flag written whole (-kk is a flag, not -k with a value)
                name = a;
            } else if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            } else if (!a.startsWith("--") && a.length() > 2) {
                name = a.substring(0, 2);
                value = a.substring(2);
                if (Boolean.TRUE.equals(TraceCommand.FAST_OPTIONS.get(name))) {
                    // a cluster of short options (-lv, -qe PROGRAM), as getopt reads it
                    if (!seen.add(name)) {
                        return OptionalInt.empty();
                    }
                    command.setFast(name, null);
                    queue.addFirst("-" + value);
                    continue;
                }
            }
            Boolean flag = TraceCommand.FAST_OPTIONS.get(name);
            if (flag == null || !seen.add(name) || (flag && value != null)) {
                return OptionalInt.empty();
            }
            if (!flag && value == null) {
                if (queue.isEmpty()) {
                    return OptionalInt.empty();
                }
                value = queue.removeFirst();
            }
            if (!command.setFast(name, value)) {
                return OptionalInt.empty();
            }
        }
        command.setArgs(rest);
        command.useStreams(out, err);
        try {
            return OptionalInt.of(command.call());
        } catch (Exception e) {
            return OptionalInt.of(ErrorReport.report(e, err, debug));
        } catch (Error e) {
            ErrorReport.internalError(e, err, debug);
            return OptionalInt.of(Main.EXIT_INTERNAL);
        }
    }
}
