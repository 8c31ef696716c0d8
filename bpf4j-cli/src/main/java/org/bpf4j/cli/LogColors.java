package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Current bpftrace's colours for its log lines on standard error: a warning yellow, an error red,
 * from its place to the end of its message (an {@code Additional Info} line of a failed helper call
 * included); the source lines after it, and every other line, as they are. bpftrace colours when
 * {@code BPFTRACE_COLOR} is {@code always}, or (unset, {@code auto}, or any other value, which it
 * warns about) when standard output and standard error are both terminals. Stateless.
 */
final class LogColors {
    private LogColors() {}

    static final String YELLOW = "\033[33m";
    static final String RED = "\033[31m";
    static final String RESET = "\033[0m";

    /** A log line as bpftrace's {@code LOG} writes it: an optional place, then the severity. */
    private static final Pattern LOG_LINE = Pattern.compile("^(?:\\S+: )?(WARNING|ERROR|BUG): .*");

    /**
     * Whether bpftrace would colour its log lines here, from {@code BPFTRACE_COLOR} (null when unset)
     * and whether both standard streams are terminals; an invalid value is warned about on
     * {@code err}, uncoloured, in bpftrace's words.
     */
    static boolean enabled(String setting, boolean terminals, PrintWriter err) {
        if (setting == null) {
            return terminals;
        }
        switch (setting) {
            case "always" -> {
                return true;
            }
            case "never" -> {
                return false;
            }
            case "auto" -> {
                return terminals;
            }
            default -> {
                err.println("WARNING: Invalid env value! The valid values of `BPFTRACE_COLOR` are [auto|always|never]. "
                        + "The current value is " + setting + "!");
                err.flush();
                return terminals;
            }
        }
    }

    /**
     * True if file descriptors 1 and 2 are both terminals, as {@code isatty(3)} would say: their
     * {@code /proc/self/fd} links name a terminal device (cheaper at start-up than a native call).
     */
    static boolean standardStreamsAreTerminals() {
        return terminal(1) && terminal(2);
    }

    private static boolean terminal(int fd) {
        try {
            String target = Files.readSymbolicLink(Path.of("/proc/self/fd/" + fd)).toString();
            return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty") || target.equals("/dev/console");
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** {@code err} with bpftrace's colours on its log lines (the caller closes neither). */
    static PrintWriter wrap(PrintWriter err) {
        return new PrintWriter(new Colouring(err), true);
    }

    /** Colours whole lines as they are completed; a line not yet ended is written as is at a flush. */
    private static final class Colouring extends Writer {
        private final PrintWriter out;
        private final StringBuilder line = new StringBuilder();
        /** A coloured log line held until the next one shows whether its message goes on, or null. */
        private String held;

        Colouring(PrintWriter out) {
            this.out = out;
        }

        @Override
        public void write(char[] cbuf, int off, int len) {
            for (int i = off; i < off + len; i++) {
                char c = cbuf[i];
                if (c == '\n') {
                    line(line.toString());
                    line.setLength(0);
                } else {
                    line.append(c);
                }
            }
        }

        private void line(String text) {
            if (held != null) {
                if (text.startsWith("Additional Info - helper: ")) {
                    // the second line of a failed helper call's message, coloured with it
                    out.write(held + "\n" + text + RESET + "\n");
                    held = null;
                    return;
                }
                out.write(held + RESET + "\n");
                held = null;
            }
            Matcher m = LOG_LINE.matcher(text);
            if (m.matches()) {
                held = (m.group(1).equals("WARNING") ? YELLOW : RED) + text;
            } else {
                out.write(text + "\n");
            }
        }

        @Override
        public void flush() {
            if (held != null) {
                out.write(held + RESET + "\n");
                held = null;
            }
            if (!line.isEmpty()) {
                out.write(line.toString());
                line.setLength(0);
            }
            out.flush();
        }

        @Override
        public void close() throws IOException {
            flush();
        }
    }
}
