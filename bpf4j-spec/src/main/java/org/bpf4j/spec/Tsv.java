package org.bpf4j.spec;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;

/**
 * A tab-separated data file of this package: lines, with {@code #} comment lines and blank lines
 * dropped, each split on tabs and remembering its line number for error messages.
 */
final class Tsv {
    /** One data line of a file. */
    record Line(String source, int number, String text, List<String> fields) {
        /** The field at {@code index}, or {@code fallback} when the line is shorter. */
        String field(int index, String fallback) {
            return index < fields.size() ? fields.get(index) : fallback;
        }

        /** An error naming this line, {@code source:number: message}. */
        MalformedInputException error(String message) {
            return new MalformedInputException(source + ":" + number + ": " + message);
        }
    }

    private Tsv() {
    }

    /** Reads a resource of this package, such as {@code helpers.tsv}. */
    static String resource(String name) {
        try (InputStream in = Tsv.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new Bpf4jException("resource org/bpf4j/spec/" + name + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Bpf4jException("cannot read resource org/bpf4j/spec/" + name + ": " + e.getMessage(), e);
        }
    }

    /** The data lines of {@code text}; trailing white space is trimmed, empty fields are kept. */
    static List<Line> parse(String text, String source) {
        List<Line> out = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].stripTrailing();
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            out.add(new Line(source, i + 1, line, List.of(line.split("\t", -1))));
        }
        return out;
    }

    /** {@code "-"} and the empty string mean "none": an empty list; otherwise the comma-separated items. */
    static List<String> list(String field) {
        if (field.isEmpty() || field.equals("-")) {
            return List.of();
        }
        return List.of(field.split(",", -1));
    }
}
