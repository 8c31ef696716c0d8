package org.bpf4j.isa;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads test data from the class path. */
final class Resources {
    private Resources() {}

    /** One case of a {@code input => expected} file, with its line number. */
    record Case(int line, String input, String expected) {
        /** The input's lines: {@code |} separates them. */
        String program() {
            return input.replace('|', '\n');
        }

        @Override
        public String toString() {
            return "line " + line + ": " + input;
        }
    }

    /** The text of a resource next to this class. */
    static String text(String name) {
        try (InputStream in = Resources.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + name);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The cases of a resource: lines {@code input => expected}; blank lines and {@code #} lines skipped. */
    static List<Case> cases(String name) {
        List<Case> out = new ArrayList<>();
        String[] lines = text(name).split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int arrow = line.lastIndexOf(" => ");
            if (arrow < 0) {
                throw new IllegalStateException(name + ":" + (i + 1) + ": no ' => ' in test case");
            }
            out.add(new Case(i + 1, line.substring(0, arrow), line.substring(arrow + 4).strip()));
        }
        return out;
    }
}
