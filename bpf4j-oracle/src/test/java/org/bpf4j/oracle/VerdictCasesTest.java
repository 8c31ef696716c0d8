package org.bpf4j.oracle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.junit.jupiter.api.Test;

/**
 * The minimized verdict disagreements the campaigns found ({@code verdict-disagreements.txt}, in
 * the verifier-case format over the {@link Fixture}'s maps): the kernel must still give each the
 * recorded verdict and decisive message, so the file stays true; bpf4j's verdict on each is
 * printed with a count of how many now agree (the verifier's fixes move cases from "disagrees" to
 * "agrees"; then they belong in the verifier's own cases).
 */
@KernelTest
class VerdictCasesTest {
    record Case(String name, boolean accept, String error, String asm, int line) {}

    static List<Case> cases() throws IOException {
        String text;
        try (InputStream in = VerdictCasesTest.class.getResourceAsStream("/verdict-disagreements.txt")) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        List<Case> out = new ArrayList<>();
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (!lines[i].startsWith("=== ")) {
                continue;
            }
            String name = lines[i].substring(4);
            boolean accept = false;
            String error = "";
            for (i++; !lines[i].equals("---"); i++) {
                if (lines[i].startsWith("expect: ")) {
                    accept = lines[i].endsWith("accept");
                } else if (lines[i].startsWith("error: ")) {
                    error = lines[i].substring(7);
                }
            }
            int start = i + 2;
            StringBuilder asm = new StringBuilder();
            for (i++; i < lines.length && !lines[i].startsWith("=== "); i++) {
                asm.append(lines[i]).append('\n');
            }
            i--;
            out.add(new Case(name, accept, error, asm.toString(), start));
        }
        return out;
    }

    @Test
    void theKernelStillGivesEachRecordedVerdict() throws IOException {
        List<Case> cases = cases();
        assertFalse(cases.isEmpty());
        TreeMap<String, String> wrong = new TreeMap<>();
        int bpf4jAgrees = 0;
        try (KernelRunner k = new KernelRunner(Kernel.system())) {
            for (Case c : cases) {
                Code code = Assembler.assemble(c.asm(), "verdict-disagreements.txt", c.line());
                KernelRunner.Verdict v = k.load(code);
                String got = switch (v) {
                    case KernelRunner.Accepted a -> {
                        a.close();
                        yield "accept";
                    }
                    case KernelRunner.Rejected r -> "reject: " + r.summary();
                };
                String want = c.accept() ? "accept" : "reject: " + c.error();
                if (!got.equals(want)) {
                    wrong.put(c.name(), "recorded " + want + ", the kernel now says " + got);
                }
                VerificationResult b = Verifier.verify(new VerifierInput(c.name(), code, ProgramType.SOCKET_FILTER,
                        Fixture.mapInfos(), true));
                if (b.accepted() == c.accept()) {
                    bpf4jAgrees++;
                }
            }
        }
        System.out.println("[oracle] verdict disagreements: bpf4j's verifier now agrees with the kernel on "
                + bpf4jAgrees + " of " + cases.size());
        assertEquals(new TreeMap<String, String>(), wrong);
    }
}
