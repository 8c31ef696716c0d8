package org.bpf4j.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One file of bpftrace's {@code tests/runtime} suites, read as bpftrace's own test engine reads
 * it: test cases separated by blank lines, one {@code KEY value} directive per line, lines
 * starting with {@code #} ignored. Both engines are understood: bpftrace 0.17's, where
 * {@code EXPECT} is a regular expression, and the current one, where {@code EXPECT} is literal
 * text matched against a whole line and {@code EXPECT_REGEX} a regular expression (each may be
 * given several times; an indented line continues a {@code PROG} or {@code EXPECT} value),
 * {@code EXPECT_FILE}/{@code EXPECT_JSON} compare the whole output after the attachment.
 *
 * <p>The files themselves are bpftrace's and stay outside this repository; {@link
 * BpftraceRuntimeTest} reads them from the directory it is given.
 */
final class BpftraceTestFile {
    private BpftraceTestFile() {}

    /** How the {@code EXPECT*} lines of a case are checked against the tracer's output. */
    enum Expectation {
        /** bpftrace 0.17: a regular expression searched in the output, in multi-line mode. */
        REGEX,
        /** Current bpftrace: literal text that must occur in the output. */
        LITERAL,
        /** Current bpftrace: literal text that must not occur in the output. */
        LITERAL_NONE,
        /** Current bpftrace: a regular expression that must match somewhere in the output. */
        REGEX_LINE,
        /** Current bpftrace: a regular expression that must match nowhere in the output. */
        REGEX_NONE,
        /** Current bpftrace: the whole output (after the attachment) equals this file's text. */
        FILE,
        /** Current bpftrace: the output (after the attachment) is this file's JSON (or NDJSON). */
        JSON
    }

    /** One expected-output line of a case. */
    record Expect(Expectation kind, String text) {}

    /**
     * One test case.
     *
     * @param suite the file's name ({@code basic}, {@code call}, ...)
     * @param name the case's {@code NAME}
     * @param run the {@code RUN} command, or null
     * @param prog the {@code PROG} program, or null
     * @param expects the expected-output lines
     * @param timeoutSeconds {@code TIMEOUT}
     * @param directives every other directive, by key, in file order (repeatable ones joined by
     *     a newline)
     * @param env the {@code ENV} variables
     * @param willFail whether {@code WILL_FAIL} was given
     * @param returnCode the exit status expected ({@code RETURN_CODE}, 0 when absent)
     */
    record Case(String suite, String name, String run, String prog, List<Expect> expects, int timeoutSeconds,
                Map<String, String> directives, Map<String, String> env, boolean willFail, int returnCode) {
        /** The case's full name, as bpftrace's engine prints it. */
        String fullName() {
            return suite + "." + name;
        }

        /**
         * Whether the output is compared whole ({@code EXPECT_FILE}, {@code EXPECT_JSON}): then
         * only what follows the attachment counts, as in bpftrace's engine.
         */
        boolean exact() {
            return expects.stream().anyMatch(e -> e.kind() == Expectation.FILE || e.kind() == Expectation.JSON);
        }

        /** A directive's value, or "" when absent. */
        String get(String key) {
            return directives.getOrDefault(key, "");
        }

        /** The lines of a repeatable directive ({@code REQUIRES}, {@code BEFORE}, ...). */
        List<String> all(String key) {
            String v = directives.get(key);
            return v == null ? List.of() : List.of(v.split("\n"));
        }
    }

    /**
     * Reads a suite file.
     *
     * @param file the file
     * @param current whether it follows the current engine (literal {@code EXPECT}) rather than
     *     0.17's (regular-expression {@code EXPECT})
     * @return its cases; a malformed case is kept with what it has (the runner reports it)
     */
    static List<Case> read(Path file, boolean current) {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String suite = file.getFileName().toString();
        List<Case> cases = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : lines) {
            if (line.startsWith("#")) {
                continue;
            }
            if (line.isBlank()) {
                if (!block.isEmpty()) {
                    cases.add(parseCase(suite, block, current));
                    block = new ArrayList<>();
                }
                continue;
            }
            block.add(line);
        }
        if (!block.isEmpty()) {
            cases.add(parseCase(suite, block, current));
        }
        return cases;
    }

    private static Case parseCase(String suite, List<String> block, boolean current) {
        String name = "?";
        String run = null;
        String prog = null;
        int timeout = 5;
        boolean willFail = false;
        int returnCode = 0;
        List<Expect> expects = new ArrayList<>();
        Map<String, String> directives = new LinkedHashMap<>();
        Map<String, String> env = new LinkedHashMap<>();
        String prevKey = "";
        for (String item : block) {
            // current engine: a line indented by at least the previous key's width and a space
            // continues a PROG or EXPECT/EXPECT_REGEX value on a new line
            int width = prevKey.length() + 1;
            if (current && !prevKey.isEmpty() && item.length() >= width && item.substring(0, width).isBlank()) {
                String more = item.substring(width);
                if (prevKey.equals("PROG")) {
                    prog = prog + "\n" + more;
                    continue;
                }
                if (prevKey.equals("EXPECT") || prevKey.equals("EXPECT_REGEX")) {
                    Expect last = expects.removeLast();
                    expects.add(new Expect(last.kind(), last.text() + "\n" + more));
                    continue;
                }
            }
            String trimmed = item.strip();
            int sp = indexOfSpace(trimmed);
            String key = sp < 0 ? trimmed : trimmed.substring(0, sp);
            prevKey = key;
            // bpftrace 0.17's engine joins the words again with single spaces; the current one
            // keeps the text after the key as written
            String value = sp < 0 ? "" : current ? trimmed.substring(sp + 1).strip()
                    : String.join(" ", trimmed.substring(sp + 1).strip().split("\\s+"));
            switch (key) {
                case "NAME" -> name = value;
                case "RUN" -> run = value;
                case "PROG" -> prog = value;
                case "TIMEOUT" -> timeout = parseTimeout(value, 5);
                case "WILL_FAIL" -> willFail = true;
                case "EXPECT" -> expects.add(new Expect(current ? Expectation.LITERAL : Expectation.REGEX, value));
                case "EXPECT_NONE" -> expects.add(new Expect(Expectation.LITERAL_NONE, value));
                case "EXPECT_REGEX" -> expects.add(new Expect(Expectation.REGEX_LINE, value));
                case "EXPECT_REGEX_NONE" -> expects.add(new Expect(Expectation.REGEX_NONE, value));
                case "EXPECT_FILE" -> expects.add(new Expect(Expectation.FILE, value));
                case "EXPECT_JSON" -> expects.add(new Expect(Expectation.JSON, value));
                case "RETURN_CODE" -> returnCode = parseTimeout(value, 0);
                case "ENV" -> {
                    for (String e : value.strip().split("\\s+")) {
                        int eq = e.indexOf('=');
                        if (eq > 0) {
                            env.put(e.substring(0, eq), e.substring(eq + 1));
                        }
                    }
                }
                default -> directives.merge(key, value, (a, b) -> a + "\n" + b);
            }
        }
        return new Case(suite, name, run, prog, List.copyOf(expects), timeout, directives, env, willFail, returnCode);
    }

    private static int indexOfSpace(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (Character.isWhitespace(s.charAt(i))) {
                return i;
            }
        }
        return -1;
    }

    private static int parseTimeout(String v, int otherwise) {
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            return otherwise;
        }
    }
}
