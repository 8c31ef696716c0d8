package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Disassembler;
import org.bpf4j.isa.Encoding;
import org.bpf4j.isa.Instruction;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.KernelInfo;
import org.bpf4j.linux.sys.Bpf;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j prog dump xlated|jited id N [opcodes] [file F] [--json]}: a loaded program's
 * instructions as the kernel holds them. {@code xlated} (after the verifier's rewrites) goes through
 * bpf4j's disassembler, with helper calls named from {@code /proc/kallsyms} when it shows
 * addresses; {@code jited} is the machine code as raw bytes in hex (bpf4j has no disassembler for
 * the host's instruction set). {@code file F} writes the raw bytes to F instead.
 */
@Command(name = "dump", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Dumps a loaded program: 'xlated id N' as eBPF through bpf4j's disassembler "
                + "(helper calls named from /proc/kallsyms), 'jited id N' as the JIT's machine code in hex bytes.",
            "'opcodes' adds each instruction's bytes; 'file F' writes the raw bytes to F."})
final class ProgDumpCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "xlated|jited id N [opcodes] [file F]", arity = "1..*")
    private List<String> words;

    @Option(names = "--json", description = "print a JSON array: one object per instruction (xlated) or the bytes (jited)")
    private boolean json;

    @Override
    public Integer call() {
        Words w = new Words("prog dump", words);
        String what = w.next("'xlated' or 'jited'");
        if (!what.equals("xlated") && !what.equals("jited")) {
            throw w.fail("expected 'xlated' or 'jited', got '" + what + "'");
        }
        int id = w.parseId(w.object()[1]);
        boolean opcodes = false;
        Path file = null;
        while (!w.atEnd()) {
            if (w.accept("opcodes")) {
                opcodes = true;
            } else if (w.accept("file")) {
                file = Path.of(w.next("a path after 'file'"));
            } else {
                w.end();
            }
        }
        boolean jited = what.equals("jited");
        Bpf bpf = KernelAccess.kernel().bpf();
        byte[] insns = KernelCalls.call("prog dump", () -> KernelIds.one(bpf, KernelIds.Kind.PROGRAM, id,
                (b, fd) -> KernelInfo.programInstructions(b, fd, jited)));
        if (jited && insns.length == 0) {
            throw new CommandFailure(Main.EXIT_FAILED, "prog dump: program " + id + " is not JIT-compiled", null);
        }
        if (insns.length == 0) {
            throw new CommandFailure(Main.EXIT_FAILED, "prog dump: the kernel gives no instructions for program "
                    + id + " (needs root for xlated code)", null);
        }
        PrintWriter out = spec.commandLine().getOut();
        if (file != null) {
            try {
                Files.write(file, insns);
            } catch (IOException e) {
                throw CommandFailure.io(file, "write", e);
            }
            out.println("wrote " + insns.length + " bytes to " + file);
        } else if (jited) {
            jited(out, insns);
        } else {
            xlated(out, insns, opcodes);
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private void jited(PrintWriter out, byte[] code) {
        HexFormat hex = HexFormat.ofDelimiter(" ");
        if (json) {
            List<Object> bytes = new ArrayList<>();
            for (byte b : code) {
                bytes.add(String.format("0x%02x", b & 0xff));
            }
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("bytes", code.length);
            m.put("opcodes", bytes);
            out.print(Json.write(m));
            return;
        }
        for (int off = 0; off < code.length; off += 16) {
            out.printf("%4x:\t%s%n", off, hex.formatHex(code, off, Math.min(code.length, off + 16)));
        }
    }

    private void xlated(PrintWriter out, byte[] bytes, boolean opcodes) {
        long[] words = new long[bytes.length / 8];
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(words);
        KernelSymbols symbols = null;
        List<Object> rows = new ArrayList<>();
        HexFormat hex = HexFormat.ofDelimiter(" ");
        for (int slot = 0; slot < words.length;) {
            String text;
            int width;
            Instruction insn;
            try {
                insn = Encoding.decodeAt(words, slot);
                width = Encoding.encode(insn).length;
                text = Disassembler.format(insn, slot, "prog").split("\t", 3)[2];
                if (insn instanceof Instruction.Call c && c.kind() == CallKind.HELPER) {
                    if (symbols == null) {
                        symbols = KernelSymbols.read();
                    }
                    text = "call " + symbols.helperName(c.imm()) + "#" + c.imm();
                }
            } catch (Bpf4jException | IllegalArgumentException e) {
                width = 1;
                text = String.format(".8byte 0x%016x ; not decodable: %s", words[slot], e.getMessage());
            }
            byte[] raw = Arrays.copyOfRange(bytes, slot * 8, (slot + width) * 8);
            int opcode = (int) (words[slot] & 0xff);
            if (json) {
                Map<String, Object> m = new LinkedHashMap<>();
                m.put("slot", slot);
                m.put("disasm", text);
                if (opcodes) {
                    m.put("opcodes", hex.formatHex(raw));
                }
                rows.add(m);
            } else {
                out.printf("%4d: (%02x) %s%n", slot, opcode, text);
                if (opcodes) {
                    out.println("       " + hex.formatHex(raw));
                }
            }
            slot += width;
        }
        if (json) {
            out.print(Json.write(rows));
        }
    }
}
