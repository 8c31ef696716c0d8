package org.bpf4j.vm.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.bpf4j.isa.Assembler;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.VmTrapException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The test-run cases of {@code src/test/resources/test-run-cases}: a program in assembly, its
 * program type, a packet and context, and what {@link TestRun} must give (retval, data_out,
 * ctx_out), the refusal of the input ({@code -- error}: errno and message prefix) or the trap
 * ({@code -- trap}: message prefix). Sections: {@code type} ("xdp" or "xdp XDP_DEVMAP"...),
 * {@code asm}, {@code data}, {@code ctx}, {@code repeat}, {@code retval}, {@code data_out},
 * {@code ctx_out}, {@code error}, {@code trap}. Hex may contain white space and {@code #} comments.
 */
class TestRunCasesTest {
    @TestFactory
    Stream<DynamicTest> cases() throws Exception {
        Path dir = Path.of(TestRunCasesTest.class.getResource("/test-run-cases").toURI());
        List<Path> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.filter(p -> p.toString().endsWith(".case")).sorted().toList();
        }
        assertTrue(files.size() >= 20, files.size() + " cases");
        return files.stream().map(f -> DynamicTest.dynamicTest(f.getFileName().toString(), () -> check(f)));
    }

    static Map<String, String> sections(String text) {
        Map<String, String> out = new LinkedHashMap<>();
        String current = null;
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            if (line.startsWith("-- ")) {
                if (current != null) {
                    out.put(current, sb.toString());
                }
                current = line.substring(3).strip();
                sb.setLength(0);
            } else if (current != null) {
                sb.append(line).append('\n');
            }
        }
        if (current != null) {
            out.put(current, sb.toString());
        }
        return out;
    }

    static byte[] hex(String s) {
        StringBuilder sb = new StringBuilder();
        for (String line : s.split("\n")) {
            int hash = line.indexOf('#');
            sb.append((hash >= 0 ? line.substring(0, hash) : line).replaceAll("\\s+", ""));
        }
        return HexFormat.of().parseHex(sb.toString());
    }

    private static void check(Path file) throws IOException {
        Map<String, String> s = sections(Files.readString(file));
        String[] type = s.get("type").strip().split("\\s+");
        ProgramType pt = ProgramType.byName(type[0]).orElseThrow();
        Optional<AttachType> attach = type.length > 1 ? Optional.of(AttachType.valueOf(type[1])) : Optional.empty();
        VmProgram prog = VmProgram.load(file.getFileName().toString(), Assembler.assemble(s.get("asm"), file.toString()));
        TestRunInput in = new TestRunInput(hex(s.getOrDefault("data", "")),
                s.containsKey("ctx") ? Optional.of(hex(s.get("ctx"))) : Optional.empty(),
                s.containsKey("repeat") ? Integer.parseInt(s.get("repeat").strip()) : 1);
        if (s.containsKey("error")) {
            String[] e = s.get("error").strip().split("\\s+", 2);
            TestRunException ex = assertThrows(TestRunException.class, () -> TestRun.run(prog, pt, attach, in));
            assertEquals(e[0], errnoName(ex.errno()), ex.getMessage());
            assertTrue(ex.getMessage().startsWith(e[1]), ex.getMessage());
            return;
        }
        if (s.containsKey("trap")) {
            VmTrapException ex = assertThrows(VmTrapException.class, () -> TestRun.run(prog, pt, attach, in));
            assertTrue(ex.getMessage().startsWith(s.get("trap").strip()), ex.getMessage());
            return;
        }
        TestRunResult r = TestRun.run(prog, pt, attach, in);
        assertEquals(Long.parseLong(s.get("retval").strip()), r.retval(), "retval");
        if (s.containsKey("data_out")) {
            assertEquals(HexFormat.of().formatHex(hex(s.get("data_out"))), HexFormat.of().formatHex(r.data()), "data_out");
        }
        if (s.containsKey("ctx_out")) {
            assertEquals(HexFormat.of().formatHex(hex(s.get("ctx_out"))),
                    HexFormat.of().formatHex(r.context().orElseThrow()), "ctx_out");
        }
        if (!s.containsKey("data_out") && !s.containsKey("ctx_out") && !s.containsKey("retval")) {
            fail("case checks nothing");
        }
    }

    static String errnoName(int errno) {
        return switch (errno) {
            case 22 -> "EINVAL";
            case 7 -> "E2BIG";
            case 19 -> "ENODEV";
            case 524 -> "ENOTSUPP";
            default -> Integer.toString(errno);
        };
    }

}
