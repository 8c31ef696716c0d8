package org.bpf4j.verifier.objects;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The rows of {@code objects/verdicts.tsv}: a program of a test object and the kernel's verdict on it. */
record ObjectVerdicts(String object, String program, boolean accept, String message, int line) {
    static final Path DIR = Path.of("src/test/resources/objects");

    static List<ObjectVerdicts> all() {
        List<ObjectVerdicts> out = new ArrayList<>();
        try {
            List<String> lines = Files.readAllLines(DIR.resolve("verdicts.tsv"));
            for (int i = 0; i < lines.size(); i++) {
                String l = lines.get(i);
                if (l.isBlank() || l.startsWith("#")) {
                    continue;
                }
                String[] f = l.split("\t");
                if (f.length != 4 || !(f[2].equals("accept") || f[2].equals("reject"))) {
                    throw new IllegalArgumentException("verdicts.tsv:" + (i + 1) + ": expected OBJECT PROGRAM accept|reject MESSAGE");
                }
                out.add(new ObjectVerdicts(f[0], f[1], f[2].equals("accept"), f[3], i + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }
}
