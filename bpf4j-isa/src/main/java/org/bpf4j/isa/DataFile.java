package org.bpf4j.isa;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;

/**
 * A test program in the {@code .data} format of the bpf_conformance suite.
 *
 * <p>The file is a sequence of sections, each starting with a line {@code -- NAME}. Before the
 * first section only blank lines and {@code #} comments may stand. Known sections:
 * <ul>
 *   <li>{@code -- asm}: the program in the {@linkplain Assembler assembler's syntax};
 *   <li>{@code -- raw}: the program as 64-bit instruction words, one per line, in hexadecimal
 *       ({@code 0x...}) or decimal; when present it replaces {@code asm} as the program;
 *   <li>{@code -- mem}: the input memory as hexadecimal byte pairs separated by white space, on
 *       any number of lines (an empty section is an empty memory, which differs from none);
 *   <li>{@code -- result}: the expected 64-bit value of r0, hexadecimal or decimal, read as
 *       unsigned up to 2<sup>64</sup>-1 (a negative decimal is also accepted);
 *   <li>{@code -- error}: an expected load error message (its lines, trimmed, joined by
 *       newlines).
 * </ul>
 * In {@code raw}, {@code mem} and {@code result} a {@code #} starts a comment; in {@code error}
 * lines starting with {@code #} are skipped. Other sections ({@code -- c},
 * {@code -- no register offset}, ...) are kept by name in {@link #sections()} and otherwise
 * ignored. A section name may appear only once; a file must have {@code asm} or {@code raw}.
 *
 * <p>Errors are {@link MalformedInputException}s naming the file and line,
 * {@code name:LINE: message}. Instances are immutable and thread-safe; {@link #memory()} returns
 * a fresh copy.
 */
public final class DataFile {
    private static final Pattern HEADER = Pattern.compile("--\\s*(.*?)\\s*");
    private static final Pattern NUMBER = Pattern.compile("(-?)(0[xX][0-9a-fA-F]+|[0-9]+)");
    private static final Pattern BYTE = Pattern.compile("[0-9a-fA-F]{2}");
    private static final Pattern SLOT = Pattern.compile("instruction ([0-9]{1,9})\\b");
    private static final BigInteger LIMIT_64 = BigInteger.ONE.shiftLeft(64);

    private final String sourceName;
    private final Map<String, String> sections;
    private final Code code;
    private final byte[] memory;
    private final Long expectedResult;
    private final String expectedError;

    private DataFile(String sourceName, Map<String, String> sections, Code code, byte[] memory, Long expectedResult,
            String expectedError) {
        this.sourceName = sourceName;
        this.sections = sections;
        this.code = code;
        this.memory = memory;
        this.expectedResult = expectedResult;
        this.expectedError = expectedError;
    }

    /** A section's lines and where the first of them stands in the file. */
    private record Section(String name, int headerLine, List<String> lines) {
        String text() {
            return lines.isEmpty() ? "" : String.join("\n", lines) + "\n";
        }
    }

    /**
     * Reads and parses a file; the name in error messages is the path as given.
     *
     * @throws MalformedInputException if the content does not follow the format
     * @throws Bpf4jException if the file cannot be read
     */
    public static DataFile read(Path path) {
        String text;
        try {
            text = Files.readString(path, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new Bpf4jException(path + ": cannot read: " + e.getMessage(), e);
        }
        return parse(text, path.toString());
    }

    /**
     * Parses the content of a {@code .data} file.
     *
     * @param text the content
     * @param sourceName the name to put in error messages, such as the file name
     * @throws MalformedInputException naming {@code sourceName} and the line of the first error
     */
    public static DataFile parse(String text, String sourceName) {
        String[] lines = text.split("\r?\n", -1);
        int end = lines.length;
        if (end > 0 && lines[end - 1].isEmpty()) {
            end--;
        }
        Map<String, Section> found = new LinkedHashMap<>();
        Section current = null;
        for (int i = 0; i < end; i++) {
            String line = lines[i];
            int number = i + 1;
            if (line.startsWith("--")) {
                Matcher m = HEADER.matcher(line);
                m.matches();
                String name = m.group(1);
                if (name.isEmpty()) {
                    throw error(sourceName, number, "section header without a name");
                }
                if (found.containsKey(name)) {
                    throw error(sourceName, number, "section '-- " + name + "' appears twice (first on line "
                            + found.get(name).headerLine() + ")");
                }
                current = new Section(name, number, new ArrayList<>());
                found.put(name, current);
            } else if (current != null) {
                current.lines().add(line);
            } else if (!line.isBlank() && !line.strip().startsWith("#")) {
                throw error(sourceName, number, "text before the first section: '" + line.strip() + "'");
            }
        }
        Map<String, String> texts = new LinkedHashMap<>();
        for (Section s : found.values()) {
            texts.put(s.name(), s.text());
        }
        Section asm = found.get("asm");
        Section raw = found.get("raw");
        Code code;
        if (raw != null) {
            code = decodeRaw(raw, sourceName);
        } else if (asm != null) {
            code = Assembler.assemble(asm.text(), sourceName, asm.headerLine() + 1);
        } else {
            throw new MalformedInputException(sourceName + ": no '-- asm' or '-- raw' section");
        }
        byte[] memory = found.containsKey("mem") ? parseMemory(found.get("mem"), sourceName) : null;
        Long result = found.containsKey("result") ? parseResult(found.get("result"), sourceName) : null;
        String error = found.containsKey("error") ? parseError(found.get("error")) : null;
        return new DataFile(sourceName, Collections.unmodifiableMap(texts), code, memory, result, error);
    }

    private static Code decodeRaw(Section raw, String sourceName) {
        List<Long> words = new ArrayList<>();
        List<Integer> lineOfSlot = new ArrayList<>();
        for (int i = 0; i < raw.lines().size(); i++) {
            int number = raw.headerLine() + 1 + i;
            for (String token : tokens(raw.lines().get(i))) {
                BigInteger v = number(token, sourceName, number, "an instruction word");
                if (v.signum() < 0 || v.compareTo(LIMIT_64) >= 0) {
                    throw error(sourceName, number, "instruction word " + token + " does not fit in 64 bits");
                }
                words.add(v.longValue());
                lineOfSlot.add(number);
            }
        }
        long[] w = words.stream().mapToLong(Long::longValue).toArray();
        List<Instruction> out = new ArrayList<>();
        for (int slot = 0; slot < w.length; ) {
            Instruction insn;
            try {
                insn = Encoding.decodeAt(w, slot);
            } catch (MalformedInputException e) {
                throw e.in(sourceName + ":" + lineOfSlot.get(slot));
            }
            out.add(insn);
            slot += insn.slots();
        }
        try {
            return Code.of(out);
        } catch (MalformedInputException e) {
            // Code names the bad instruction by slot: "instruction N: ...".
            Matcher m = SLOT.matcher(e.getMessage());
            int line = raw.headerLine();
            if (m.lookingAt() && Integer.parseInt(m.group(1)) < lineOfSlot.size()) {
                line = lineOfSlot.get(Integer.parseInt(m.group(1)));
            }
            throw e.in(sourceName + ":" + line);
        }
    }

    private static byte[] parseMemory(Section mem, String sourceName) {
        List<Byte> bytes = new ArrayList<>();
        for (int i = 0; i < mem.lines().size(); i++) {
            int number = mem.headerLine() + 1 + i;
            for (String token : tokens(mem.lines().get(i))) {
                if (!BYTE.matcher(token).matches()) {
                    throw error(sourceName, number, "expected a byte as two hex digits, found '" + token + "'");
                }
                bytes.add((byte) Integer.parseInt(token, 16));
            }
        }
        byte[] out = new byte[bytes.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = bytes.get(i);
        }
        return out;
    }

    private static Long parseResult(Section result, String sourceName) {
        Long value = null;
        for (int i = 0; i < result.lines().size(); i++) {
            int number = result.headerLine() + 1 + i;
            for (String token : tokens(result.lines().get(i))) {
                if (value != null) {
                    throw error(sourceName, number, "result section has more than one value: '" + token + "'");
                }
                BigInteger v = number(token, sourceName, number, "a result value");
                if (v.compareTo(BigInteger.valueOf(Long.MIN_VALUE)) < 0 || v.compareTo(LIMIT_64) >= 0) {
                    throw error(sourceName, number, "result " + token + " does not fit in 64 bits");
                }
                value = v.longValue();
            }
        }
        if (value == null) {
            throw error(sourceName, result.headerLine(), "result section is empty");
        }
        return value;
    }

    private static String parseError(Section error) {
        List<String> kept = new ArrayList<>();
        for (String line : error.lines()) {
            String s = line.strip();
            if (!s.isEmpty() && !s.startsWith("#")) {
                kept.add(s);
            }
        }
        return String.join("\n", kept);
    }

    /** The whitespace-separated tokens of a line before any {@code #} comment. */
    private static String[] tokens(String line) {
        int hash = line.indexOf('#');
        String s = (hash >= 0 ? line.substring(0, hash) : line).strip();
        return s.isEmpty() ? new String[0] : s.split("\\s+");
    }

    private static BigInteger number(String token, String sourceName, int line, String what) {
        Matcher m = NUMBER.matcher(token);
        if (!m.matches()) {
            throw error(sourceName, line, "expected " + what + " in decimal or 0x hex, found '" + token + "'");
        }
        String digits = m.group(2);
        BigInteger v = digits.length() > 2 && (digits.charAt(1) == 'x' || digits.charAt(1) == 'X')
                ? new BigInteger(digits.substring(2), 16)
                : new BigInteger(digits);
        return m.group(1).isEmpty() ? v : v.negate();
    }

    private static MalformedInputException error(String sourceName, int line, String message) {
        return new MalformedInputException(sourceName + ":" + line + ": " + message);
    }

    /** The name given to {@link #parse} (the path for {@link #read}). */
    public String sourceName() {
        return sourceName;
    }

    /** The program: decoded from {@code raw} if present, else assembled from {@code asm}. */
    public Code code() {
        return code;
    }

    /** A copy of the input memory, or empty if the file has no {@code mem} section. */
    public Optional<byte[]> memory() {
        return memory == null ? Optional.empty() : Optional.of(memory.clone());
    }

    /** True if the file has a {@code mem} section (which may hold no bytes). */
    public boolean hasMemory() {
        return memory != null;
    }

    /** The expected r0, or empty if the file has no {@code result} section. */
    public OptionalLong expectedResult() {
        return expectedResult == null ? OptionalLong.empty() : OptionalLong.of(expectedResult);
    }

    /** The expected load error, or empty if the file has no {@code error} section. */
    public Optional<String> expectedError() {
        return Optional.ofNullable(expectedError);
    }

    /** The text of the {@code asm} section, or the empty string if there is none. */
    public String asmText() {
        return sections.getOrDefault("asm", "");
    }

    /**
     * Every section's text by name, in file order, including sections this class ignores; each
     * text is the section's lines (comments included) each ending in a newline.
     */
    public Map<String, String> sections() {
        return sections;
    }

    /** The text of a section by name, or empty if the file has none. */
    public Optional<String> section(String name) {
        return Optional.ofNullable(sections.get(name));
    }

    @Override
    public String toString() {
        return "DataFile[" + sourceName + ", " + code + ", sections " + sections.keySet() + "]";
    }
}
