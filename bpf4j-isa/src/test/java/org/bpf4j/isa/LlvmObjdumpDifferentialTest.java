package org.bpf4j.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Differential test against the real {@code llvm-objdump-19}: every conformance program and a
 * set of random programs are assembled by {@code llvm-mc-19} from {@code .8byte} directives,
 * one section and symbol each, and {@link Disassembler#toObjdump(Code, String)} must print
 * exactly what llvm-objdump prints, except where {@link Disassembler} documents a difference
 * (32-bit atomics other than add take the {@code --mattr=+alu32} line; load-acquire,
 * store-release and indirect packet loads with an immediate are left out of the random programs).
 *
 * <p>Skipped, with the reason, where LLVM 19 is not installed
 * ({@code apt-get install llvm-19}).
 */
class LlvmObjdumpDifferentialTest {
    private static final String MC = "llvm-mc-19";
    private static final String OBJDUMP = "llvm-objdump-19";

    @Test
    void listingsMatchLlvmObjdump(@TempDir Path dir) throws Exception {
        assumeTrue(available(MC) && available(OBJDUMP),
                MC + " and " + OBJDUMP + " are not installed (apt-get install llvm-19); skipping");
        Map<String, Code> programs = new LinkedHashMap<>();
        Path conformance = Path.of(System.getProperty("bpf4j.shared", "../shared"), "conformance");
        if (Files.isDirectory(conformance)) {
            for (Path p : SharedData.conformanceFiles()) {
                String name = "c_" + p.getFileName().toString().replace(".data", "").replaceAll("[^A-Za-z0-9_]", "_");
                programs.put(name, DataFile.read(p).code());
            }
        } else {
            System.out.println("LlvmObjdumpDifferentialTest: " + conformance + " absent; random programs only");
        }
        Random random = new Random(19);
        for (int i = 0; i < 300; i++) {
            programs.put("random_" + i, randomProgram(random));
        }

        StringBuilder asm = new StringBuilder();
        for (Map.Entry<String, Code> e : programs.entrySet()) {
            asm.append("\t.section .text.").append(e.getKey()).append(",\"ax\",@progbits\n\t.globl ")
                    .append(e.getKey()).append('\n').append(e.getKey()).append(":\n");
            for (long w : e.getValue().toWords()) {
                asm.append(String.format("\t.8byte 0x%016x%n", w));
            }
        }
        Path source = dir.resolve("all.s");
        Path object = dir.resolve("all.o");
        Files.writeString(source, asm);
        run(List.of(MC, "-triple", "bpfel", "-filetype=obj", source.toString(), "-o", object.toString()));
        Map<String, List<String>> plain = blocks(run(List.of(OBJDUMP, "-d", object.toString())));
        Map<String, List<String>> alu32 = blocks(run(List.of(OBJDUMP, "-d", "--mattr=+alu32", object.toString())));

        int lines = 0;
        for (Map.Entry<String, Code> e : programs.entrySet()) {
            Code code = e.getValue();
            List<String> expected = new ArrayList<>();
            List<String> base = plain.get(e.getKey());
            List<String> wide = alu32.get(e.getKey());
            assertEquals(code.size(), base.size(), e.getKey());
            for (int p = 0; p < code.size(); p++) {
                boolean atomic32 = code.get(p) instanceof Instruction.Atomic a && a.size() == Size.W
                        && a.op() != AtomicOp.ADD;
                expected.add(atomic32 ? wide.get(p) : base.get(p));
            }
            String ours = Disassembler.toObjdump(code, e.getKey());
            assertEquals("0000000000000000 <" + e.getKey() + ">:\n" + String.join("\n", expected) + "\n", ours,
                    e.getKey());
            lines += code.size();
        }
        assertTrue(lines > 1000, lines + " lines compared");
        System.out.println("LlvmObjdumpDifferentialTest: " + programs.size() + " programs, " + lines
                + " instructions identical to " + OBJDUMP);
    }

    /** Random instructions that do not transfer control and that LLVM 19 can print, then exit. */
    private static Code randomProgram(Random random) {
        List<Instruction> insns = new ArrayList<>();
        while (insns.size() < 30) {
            int src = random.nextBoolean() ? 0 : random.nextInt(11);
            int off = random.nextInt(3) == 0 ? random.nextInt(65536) - 32768 : random.nextInt(3) == 0 ? 8 : 0;
            int imm = switch (random.nextInt(4)) {
                case 0 -> random.nextInt();
                case 1 -> random.nextInt(300);
                default -> 0;
            };
            long[] words = {Encoding.word(random.nextInt(256), random.nextInt(11), src, off, imm),
                random.nextLong() << 32};
            try {
                Instruction insn = Encoding.decodeAt(words, 0);
                boolean printable = switch (insn) {
                    case Instruction.Jump j -> false;
                    case Instruction.Goto g -> false;
                    case Instruction.MayGoto m -> false;
                    case Instruction.Call c -> c.kind() != CallKind.LOCAL;
                    case Instruction.LoadImm64 l -> l.kind() != Imm64Kind.CODE_ADDRESS;
                    case Instruction.Atomic a -> a.op().readModifyWrite();
                    case Instruction.LoadPacket p -> !p.indirect() || p.imm() == 0;
                    default -> true;
                };
                if (printable) {
                    insns.add(insn);
                }
            } catch (MalformedInputException e) {
                // Not an instruction; draw again.
            }
        }
        insns.add(new Instruction.Exit());
        return Code.of(insns);
    }

    /** The instruction lines of each symbol's listing. */
    private static Map<String, List<String>> blocks(String listing) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        List<String> current = null;
        for (String line : listing.split("\n")) {
            if (line.startsWith("0000000000000000 <") && line.endsWith(">:")) {
                current = new ArrayList<>();
                out.put(line.substring(18, line.length() - 2), current);
            } else if (line.isBlank() || line.startsWith("Disassembly of section")) {
                current = null;
            } else if (current != null) {
                current.add(line);
            }
        }
        return out;
    }

    private static boolean available(String tool) {
        try {
            Process p = new ProcessBuilder(tool, "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "timed out: " + command);
        assertEquals(0, p.exitValue(), () -> String.join(" ", command) + "\n" + out);
        return out;
    }
}
