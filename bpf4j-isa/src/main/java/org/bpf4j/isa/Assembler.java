package org.bpf4j.isa;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.MalformedInputException;

/**
 * Assembles the text syntax of the bpf_conformance suite into {@link Code}.
 *
 * <h2>Syntax</h2>
 * One instruction per line; {@code #} starts a comment anywhere on a line; blank lines are
 * ignored. A label is {@code name:} (a letter, {@code _}, {@code .} or {@code $}, then also
 * digits), usually on its own line; an instruction may follow it on the same line. Mnemonics are
 * lower case. Operands are separated by commas:
 * <ul>
 *   <li>registers {@code %r0} to {@code %r10};
 *   <li>immediates in decimal or hexadecimal, optionally negative: {@code 5}, {@code -3},
 *       {@code 0x1f}, {@code -0x10}. A 32-bit immediate takes any value in
 *       [-2<sup>31</sup>, 2<sup>32</sup>); values from 2<sup>31</sup> up are stored as their
 *       two's complement ({@code mov32 %r0, 0x80000000}). The {@code lddw} immediate takes any
 *       value in [-2<sup>63</sup>, 2<sup>64</sup>);
 *   <li>memory operands {@code [%r1]}, {@code [%r1+8]}, {@code [%r10-8]} (spaces allowed inside,
 *       the offset must fit in 16 signed bits);
 *   <li>jump targets: a label, or a relative slot offset {@code +3}, {@code -2} or {@code 3},
 *       counted from the slot after the instruction as in the encoding.
 * </ul>
 *
 * <h2>Instructions</h2>
 * <table>
 *   <caption>Mnemonics</caption>
 *   <tr><th>form</th><th>mnemonics</th></tr>
 *   <tr><td>arithmetic, {@code dst op= src}</td><td>{@code add sub mul div sdiv mod smod or and
 *       xor lsh rsh arsh mov} with optional {@code 64} suffix (64-bit) or {@code 32} suffix:
 *       {@code add %r1, %r2}, {@code mov32 %r0, -1}</td></tr>
 *   <tr><td>negation</td><td>{@code neg %r1}, {@code neg64}, {@code neg32}</td></tr>
 *   <tr><td>byte order</td><td>{@code le16 le32 le64 be16 be32 be64 bswap16 bswap32 bswap64}
 *       ({@code swap16/32/64} are aliases of {@code bswap}): {@code be16 %r0}</td></tr>
 *   <tr><td>sign-extending move</td><td>{@code movsx864 movsx1664 movsx3264} (64-bit) and
 *       {@code movsx832 movsx1632} (32-bit): {@code movsx864 %r1, %r2}</td></tr>
 *   <tr><td>64-bit immediate</td><td>{@code lddw %r0, 0x1122334455667788}, and the pseudo
 *       forms below</td></tr>
 *   <tr><td>load</td><td>{@code ldxb ldxh ldxw ldxdw}, sign-extending {@code ldxsb ldxsh ldxsw}:
 *       {@code ldxw %r0, [%r1+4]}</td></tr>
 *   <tr><td>store</td><td>immediate {@code stb sth stw stdw}: {@code stw [%r1+2], 0x11};
 *       register {@code stxb stxh stxw stxdw}: {@code stxdw [%r10-8], %r1}</td></tr>
 *   <tr><td>atomic</td><td>{@code lock add|or|and|xor [%r10-8], %r1} (64-bit; a {@code 32}
 *       suffix for 32-bit, e.g. {@code lock add32}), {@code lock fetch add|or|and|xor},
 *       {@code lock xchg}, {@code lock cmpxchg} (also with {@code 32}); load-acquire
 *       {@code lock load_acquire %r0, [%r1+8]} and store-release
 *       {@code lock store_release [%r1+8], %r2}, 64-bit or with a {@code 32}, {@code 16} or
 *       {@code 8} suffix</td></tr>
 *   <tr><td>legacy packet load</td><td>{@code ldabsb ldabsh ldabsw imm},
 *       {@code ldindb ldindh ldindw %rS, imm}</td></tr>
 *   <tr><td>jump</td><td>{@code ja target}; {@code ja32 target} is the 32-bit-offset form
 *       ({@code gotol}); {@code may_goto TARGET}; conditional {@code jeq jne jgt jge jlt jle jset jsgt jsge jslt jsle}
 *       with optional {@code 64} or a {@code 32} suffix: {@code jeq %r1, 5, label},
 *       {@code jne32 %r1, %r2, +3}</td></tr>
 *   <tr><td>call</td><td>helper {@code call 5}; local function {@code call local label};
 *       kernel function by BTF id {@code call kfunc 1234} or {@code call kfunc 1234, 2} (the
 *       second number is the offset field, the BTF object); through a register
 *       {@code callx %r2} or {@code call %r2}</td></tr>
 *   <tr><td>return</td><td>{@code exit}</td></tr>
 * </table>
 *
 * <p>The first {@code exit} also defines the label {@code exit}, unless the program defines it.
 *
 * <h2>Pseudo forms of {@code lddw}</h2>
 * The second operand of {@code lddw} may name an {@link Imm64Kind} instead of a number:
 * {@code KIND(a)} or {@code KIND(a, b)}, where {@code a} is the imm field, {@code b} the imm of
 * the second slot (0 if omitted), and {@code KIND} is {@link Imm64Kind#mnemonic()}:
 * {@code map_fd(3)}, {@code map_value_fd(3, 8)}, {@code map_idx(0)}, {@code map_value_idx(0, 8)},
 * {@code var_addr(5)}, and {@code code_addr(label)} whose first argument is a jump target.
 *
 * <h2>Errors</h2>
 * Any line that does not parse is an error: a {@link MalformedInputException} whose message is
 * {@code sourceName:LINE: what is wrong}, for example {@code prog.s:7: unknown mnemonic 'movx'}.
 *
 * <p>The class is stateless and thread-safe.
 */
public final class Assembler {
    private static final Pattern LABEL = Pattern.compile("([A-Za-z_.$][A-Za-z0-9_.$]*)\\s*:(.*)");
    private static final Pattern NAME = Pattern.compile("[A-Za-z_.$][A-Za-z0-9_.$]*");
    private static final Pattern NUMBER = Pattern.compile("([+-]?)(0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern REGISTER = Pattern.compile("%r([0-9]+)");
    private static final Pattern MEMORY =
            Pattern.compile("\\[\\s*(%r[0-9]+)\\s*(?:([+-])\\s*(0[xX][0-9a-fA-F]+|[0-9]+))?\\s*\\]");
    private static final Pattern PSEUDO = Pattern.compile("([a-z_0-9]+)\\s*\\((.*)\\)");
    private static final BigInteger MIN_32 = BigInteger.valueOf(Integer.MIN_VALUE);
    private static final BigInteger LIMIT_32 = BigInteger.ONE.shiftLeft(32);
    private static final BigInteger MIN_64 = BigInteger.valueOf(Long.MIN_VALUE);
    private static final BigInteger LIMIT_64 = BigInteger.ONE.shiftLeft(64);

    /** Parses the operands of one instruction; the mnemonic is already known. */
    @FunctionalInterface
    private interface Form {
        Instruction parse(Line line, List<String> operands);
    }

    private static final Map<String, Form> FORMS = forms();

    private final String sourceName;
    private final Map<String, Integer> labels = new HashMap<>();
    private final List<Line> lines = new ArrayList<>();
    private int slotCount;
    private boolean[] secondSlot;

    private Assembler(String sourceName) {
        this.sourceName = sourceName;
    }

    /**
     * Assembles a program.
     *
     * @param text the program text
     * @param sourceName the name to put in error messages, such as a file name
     * @return the program
     * @throws MalformedInputException naming {@code sourceName} and the line of the first error
     */
    public static Code assemble(String text, String sourceName) {
        return assemble(text, sourceName, 1);
    }

    /**
     * Assembles a program that starts at line {@code firstLine} of a larger source, so that error
     * messages give the line in that source.
     *
     * @param text the program text
     * @param sourceName the name to put in error messages, such as a file name
     * @param firstLine the line number of the first line of {@code text} (1 for a whole file)
     * @return the program
     * @throws MalformedInputException naming {@code sourceName} and the line of the first error
     */
    public static Code assemble(String text, String sourceName, int firstLine) {
        Assembler a = new Assembler(sourceName);
        a.scan(text, firstLine);
        return a.build();
    }

    /** One source line that holds an instruction, with its mnemonic and slot. */
    private final class Line {
        final int number;
        final String mnemonic;
        final String operands;
        final int slot;

        Line(int number, String mnemonic, String operands, int slot) {
            this.number = number;
            this.mnemonic = mnemonic;
            this.operands = operands;
            this.slot = slot;
        }

        MalformedInputException error(String message) {
            return Assembler.this.error(number, message);
        }

        void expect(List<String> operands, int count) {
            if (operands.size() != count) {
                throw error("'" + mnemonic + "' takes " + count + " operand" + (count == 1 ? "" : "s") + ", found "
                        + operands.size());
            }
        }

        int reg(String token) {
            Matcher m = REGISTER.matcher(token);
            if (!m.matches()) {
                throw error("expected a register %r0-%r10, found '" + token + "'");
            }
            int r = m.group(1).length() > 2 ? Integer.MAX_VALUE : Integer.parseInt(m.group(1));
            if (r >= Opcodes.REGISTER_COUNT) {
                throw error("register " + token + " does not exist (%r0-%r10)");
            }
            return r;
        }

        BigInteger number(String token, String what) {
            Matcher m = NUMBER.matcher(token);
            if (!m.matches()) {
                throw error("expected " + what + ", found '" + token + "'");
            }
            String digits = m.group(2);
            BigInteger v = digits.length() > 2 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
                    ? new BigInteger(digits.substring(2), 16)
                    : new BigInteger(digits);
            return m.group(1).equals("-") ? v.negate() : v;
        }

        int imm32(String token) {
            BigInteger v = number(token, "an immediate");
            if (v.compareTo(MIN_32) < 0 || v.compareTo(LIMIT_32) >= 0) {
                throw error("immediate " + token + " does not fit in 32 bits");
            }
            return v.intValue();
        }

        long imm64(String token) {
            BigInteger v = number(token, "an immediate");
            if (v.compareTo(MIN_64) < 0 || v.compareTo(LIMIT_64) >= 0) {
                throw error("immediate " + token + " does not fit in 64 bits");
            }
            return v.longValue();
        }

        short off16(BigInteger v) {
            if (v.bitLength() > 15) {
                throw error("offset " + v + " does not fit in 16 bits");
            }
            return v.shortValue();
        }

        Operand operand(String token) {
            return token.startsWith("%") ? Operand.reg(reg(token)) : Operand.imm(imm32(token));
        }

        /** A memory operand: base register and offset. */
        int[] memory(String token) {
            Matcher m = MEMORY.matcher(token);
            if (!m.matches()) {
                throw error("expected a memory operand [%rN], [%rN+OFF] or [%rN-OFF], found '" + token + "'");
            }
            int base = reg(m.group(1));
            short off = 0;
            if (m.group(2) != null) {
                off = off16(number(m.group(2) + m.group(3), "an offset"));
            }
            return new int[] {base, off};
        }

        /** The relative offset to a jump target: a label, or a number of slots. */
        int target(String token, boolean wide) {
            BigInteger rel;
            if (NAME.matcher(token).matches()) {
                Integer at = labels.get(token);
                if (at == null) {
                    throw error("undefined label '" + token + "'");
                }
                rel = BigInteger.valueOf(at - (slot + 1L));
            } else if (NUMBER.matcher(token).matches()) {
                rel = number(token, "a jump target");
            } else {
                throw error("expected a label or a relative offset like +3, found '" + token + "'");
            }
            if (wide ? rel.bitLength() > 31 : rel.bitLength() > 15) {
                throw error("offset " + rel + " to '" + token + "' does not fit in " + (wide ? 32 : 16) + " bits");
            }
            long target = slot + 1L + rel.longValue();
            if (target < 0 || target >= slotCount) {
                throw error("target '" + token + "' (slot " + target + ") is outside the program (" + slotCount
                        + " slots)");
            }
            if (secondSlot[(int) target]) {
                throw error("target '" + token + "' (slot " + target + ") is the second half of an lddw");
            }
            return rel.intValue();
        }
    }

    private MalformedInputException error(int line, String message) {
        return new MalformedInputException(sourceName + ":" + line + ": " + message);
    }

    /** First pass: finds labels, mnemonics and slots. */
    private void scan(String text, int firstLine) {
        String[] raw = text.split("\r?\n", -1);
        int slot = 0;
        int firstExit = -1;
        List<Integer> wide = new ArrayList<>();
        for (int i = 0; i < raw.length; i++) {
            int number = firstLine + i;
            String s = raw[i];
            int hash = s.indexOf('#');
            if (hash >= 0) {
                s = s.substring(0, hash);
            }
            s = s.strip();
            Matcher label = LABEL.matcher(s);
            if (label.matches()) {
                String name = label.group(1);
                if (labels.putIfAbsent(name, slot) != null) {
                    throw error(number, "label '" + name + "' is already defined");
                }
                s = label.group(2).strip();
            }
            if (s.isEmpty()) {
                continue;
            }
            String[] words = s.split("\\s+", 2);
            String mnemonic = words[0];
            String rest = words.length > 1 ? words[1] : "";
            if (mnemonic.equals("lock")) {
                String[] more = rest.split("\\s+", 2);
                mnemonic = "lock " + more[0];
                rest = more.length > 1 ? more[1] : "";
                if (more[0].equals("fetch")) {
                    more = rest.split("\\s+", 2);
                    mnemonic += " " + more[0];
                    rest = more.length > 1 ? more[1] : "";
                }
            }
            if (mnemonic.equals("exit") && firstExit < 0) {
                firstExit = slot;
            }
            lines.add(new Line(number, mnemonic, rest.strip(), slot));
            if (mnemonic.equals("lddw")) {
                wide.add(slot + 1);
                slot += 2;
            } else {
                slot += 1;
            }
        }
        if (firstExit >= 0) {
            labels.putIfAbsent("exit", firstExit);
        }
        slotCount = slot;
        secondSlot = new boolean[slot];
        for (int w : wide) {
            secondSlot[w] = true;
        }
    }

    /** Second pass: parses each instruction with every label known. */
    private Code build() {
        List<Instruction> out = new ArrayList<>(lines.size());
        for (Line line : lines) {
            Form form = FORMS.get(line.mnemonic);
            if (form == null) {
                throw line.error("unknown mnemonic '" + line.mnemonic + "'");
            }
            try {
                out.add(form.parse(line, split(line)));
            } catch (IllegalArgumentException e) {
                throw line.error(e.getMessage());
            }
        }
        try {
            return Code.of(out);
        } catch (MalformedInputException e) {
            throw e.in(sourceName);
        }
    }

    /** Splits operands at commas outside brackets and parentheses. */
    private static List<String> split(Line line) {
        List<String> out = new ArrayList<>();
        String s = line.operands;
        if (s.isEmpty()) {
            return out;
        }
        int depth = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[' || c == '(') {
                depth++;
            } else if (c == ']' || c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                out.add(operand(line, s.substring(start, i)));
                start = i + 1;
            }
        }
        out.add(operand(line, s.substring(start)));
        return out;
    }

    private static String operand(Line line, String s) {
        String t = s.strip();
        if (t.isEmpty()) {
            throw line.error("empty operand in '" + line.mnemonic + " " + line.operands + "'");
        }
        return t;
    }

    // ---------------------------------------------------------------------------------------
    // The instruction forms.

    private static Map<String, Form> forms() {
        Map<String, Form> f = new HashMap<>();
        for (AluOp op : AluOp.values()) {
            f.put(op.mnemonic(), alu(op, true));
            f.put(op.mnemonic() + "64", alu(op, true));
            f.put(op.mnemonic() + "32", alu(op, false));
        }
        f.put("neg", neg(true));
        f.put("neg64", neg(true));
        f.put("neg32", neg(false));
        for (int bits : new int[] {16, 32, 64}) {
            f.put("le" + bits, endian(EndianOp.LE, bits));
            f.put("be" + bits, endian(EndianOp.BE, bits));
            f.put("bswap" + bits, endian(EndianOp.SWAP, bits));
            f.put("swap" + bits, endian(EndianOp.SWAP, bits));
        }
        f.put("movsx864", movsx(true, 8));
        f.put("movsx1664", movsx(true, 16));
        f.put("movsx3264", movsx(true, 32));
        f.put("movsx832", movsx(false, 8));
        f.put("movsx1632", movsx(false, 16));
        f.put("lddw", Assembler::lddw);
        for (Size size : Size.values()) {
            String sfx = size.suffix();
            f.put("ldx" + sfx, load(size, false));
            if (size != Size.DW) {
                f.put("ldxs" + sfx, load(size, true));
                f.put("ldabs" + sfx, packet(size, false));
                f.put("ldind" + sfx, packet(size, true));
            }
            f.put("st" + sfx, store(size, false));
            f.put("stx" + sfx, store(size, true));
        }
        for (AtomicOp op : AtomicOp.values()) {
            String m = "lock " + op.mnemonic();
            if (op.readModifyWrite()) {
                f.put(m, atomic(op, Size.DW));
                f.put(m + "64", atomic(op, Size.DW));
                f.put(m + "32", atomic(op, Size.W));
            } else {
                for (Size size : Size.values()) {
                    f.put(m + size.bits(), atomic(op, size));
                }
                f.put(m, atomic(op, Size.DW));
            }
        }
        f.put("ja", gotoForm(false));
        f.put("ja32", gotoForm(true));
        f.put("may_goto", (line, ops) -> {
            line.expect(ops, 1);
            return new Instruction.MayGoto((short) line.target(ops.get(0), false));
        });
        for (JumpOp op : JumpOp.values()) {
            f.put(op.mnemonic(), jump(op, true));
            f.put(op.mnemonic() + "64", jump(op, true));
            f.put(op.mnemonic() + "32", jump(op, false));
        }
        f.put("call", Assembler::call);
        f.put("callx", (line, ops) -> {
            line.expect(ops, 1);
            return new Instruction.CallReg(line.reg(ops.get(0)));
        });
        f.put("exit", (line, ops) -> {
            line.expect(ops, 0);
            return new Instruction.Exit();
        });
        return Map.copyOf(f);
    }

    private static Form alu(AluOp op, boolean wide) {
        return (line, ops) -> {
            line.expect(ops, 2);
            return new Instruction.Alu(wide, op, line.reg(ops.get(0)), line.operand(ops.get(1)));
        };
    }

    private static Form neg(boolean wide) {
        return (line, ops) -> {
            line.expect(ops, 1);
            return new Instruction.Neg(wide, line.reg(ops.get(0)));
        };
    }

    private static Form endian(EndianOp op, int bits) {
        return (line, ops) -> {
            line.expect(ops, 1);
            return new Instruction.Endian(op, line.reg(ops.get(0)), bits);
        };
    }

    private static Form movsx(boolean wide, int bits) {
        return (line, ops) -> {
            line.expect(ops, 2);
            return new Instruction.MovSx(wide, line.reg(ops.get(0)), line.reg(ops.get(1)), bits);
        };
    }

    private static Instruction lddw(Line line, List<String> ops) {
        line.expect(ops, 2);
        int dst = line.reg(ops.get(0));
        String value = ops.get(1);
        Matcher m = PSEUDO.matcher(value);
        if (!m.matches()) {
            return Instruction.LoadImm64.of(dst, line.imm64(value));
        }
        Imm64Kind kind = null;
        for (Imm64Kind k : Imm64Kind.values()) {
            if (k != Imm64Kind.IMM64 && k.mnemonic().equals(m.group(1))) {
                kind = k;
            }
        }
        if (kind == null) {
            throw line.error("unknown lddw form '" + m.group(1) + "' (expected map_fd, map_value_fd, map_idx, "
                    + "map_value_idx, var_addr or code_addr)");
        }
        String[] args = m.group(2).split(",", -1);
        if (args.length > 2 || args[0].isBlank()) {
            throw line.error(kind.mnemonic() + "(...) takes one or two arguments, found '" + m.group(2) + "'");
        }
        String first = args[0].strip();
        int imm = kind == Imm64Kind.CODE_ADDRESS ? line.target(first, true) : line.imm32(first);
        int next = args.length == 2 ? line.imm32(args[1].strip()) : 0;
        return new Instruction.LoadImm64(dst, kind, imm, next);
    }

    private static Form load(Size size, boolean signExtend) {
        return (line, ops) -> {
            line.expect(ops, 2);
            int dst = line.reg(ops.get(0));
            int[] mem = line.memory(ops.get(1));
            return new Instruction.Load(size, signExtend, dst, mem[0], (short) mem[1]);
        };
    }

    private static Form packet(Size size, boolean indirect) {
        return (line, ops) -> {
            if (indirect) {
                line.expect(ops, 2);
                return new Instruction.LoadPacket(size, true, line.reg(ops.get(0)), line.imm32(ops.get(1)));
            }
            line.expect(ops, 1);
            return new Instruction.LoadPacket(size, false, 0, line.imm32(ops.get(0)));
        };
    }

    private static Form store(Size size, boolean register) {
        return (line, ops) -> {
            line.expect(ops, 2);
            int[] mem = line.memory(ops.get(0));
            Operand src = register ? Operand.reg(line.reg(ops.get(1))) : Operand.imm(line.imm32(ops.get(1)));
            return new Instruction.Store(size, mem[0], (short) mem[1], src);
        };
    }

    private static Form atomic(AtomicOp op, Size size) {
        return (line, ops) -> {
            line.expect(ops, 2);
            if (op == AtomicOp.LOAD_ACQ) {
                int dst = line.reg(ops.get(0));
                int[] mem = line.memory(ops.get(1));
                return new Instruction.Atomic(size, op, dst, mem[0], (short) mem[1]);
            }
            int[] mem = line.memory(ops.get(0));
            return new Instruction.Atomic(size, op, mem[0], line.reg(ops.get(1)), (short) mem[1]);
        };
    }

    private static Form gotoForm(boolean wide) {
        return (line, ops) -> {
            line.expect(ops, 1);
            return new Instruction.Goto(wide, line.target(ops.get(0), wide));
        };
    }

    private static Form jump(JumpOp op, boolean wide) {
        return (line, ops) -> {
            line.expect(ops, 3);
            int dst = line.reg(ops.get(0));
            Operand src = line.operand(ops.get(1));
            short off = (short) line.target(ops.get(2), false);
            return new Instruction.Jump(wide, op, dst, src, off);
        };
    }

    private static Instruction call(Line line, List<String> ops) {
        if (ops.isEmpty()) {
            throw line.error("'call' needs a helper id, 'local LABEL', 'kfunc ID' or a register");
        }
        String[] words = ops.get(0).split("\\s+", 2);
        switch (words[0]) {
            case "local" -> {
                line.expect(ops, 1);
                if (words.length < 2) {
                    throw line.error("'call local' needs a target");
                }
                return Instruction.Call.local(line.target(words[1], true));
            }
            case "kfunc" -> {
                if (words.length < 2) {
                    throw line.error("'call kfunc' needs a BTF id");
                }
                if (ops.size() > 2) {
                    throw line.error("'call kfunc' takes a BTF id and an optional offset, found " + ops.size()
                            + " operands");
                }
                int id = line.imm32(words[1]);
                short off = ops.size() == 2 ? line.off16(line.number(ops.get(1), "an offset")) : 0;
                return new Instruction.Call(CallKind.KFUNC, id, off);
            }
            default -> {
                line.expect(ops, 1);
                String target = ops.get(0);
                if (target.startsWith("%")) {
                    return new Instruction.CallReg(line.reg(target));
                }
                return Instruction.Call.helper(line.imm32(target));
            }
        }
    }
}
