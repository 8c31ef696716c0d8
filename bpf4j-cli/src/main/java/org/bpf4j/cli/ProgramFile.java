package org.bpf4j.cli;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Assembler;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.DataFile;

/**
 * A program read from a file in one of the formats the commands take. Immutable apart from the
 * memory array, which callers must not change.
 *
 * @param path the file as the user named it
 * @param format the format it was read as
 * @param code the program
 * @param data the parsed {@code .data} file, for {@link Format#DATA}
 */
record ProgramFile(Path path, Format format, Code code, Optional<DataFile> data) {
    private static final Pattern DATA_HEADER = Pattern.compile("(?m)^--\\s*(asm|raw)\\s*$");
    private static final byte[] ELF_MAGIC = {0x7f, 'E', 'L', 'F'};

    /** The formats of program files. */
    enum Format {
        /** A conformance {@code .data} file: sections {@code -- asm} or {@code -- raw}, {@code -- mem}, ... */
        DATA,
        /** Assembly text in the conformance suite's syntax. */
        ASSEMBLY,
        /** Raw instructions: little-endian 64-bit words, as in an ELF section. */
        RAW
    }

    /** The file's name for messages: the path as the user gave it. */
    String name() {
        return path.toString();
    }

    /** The input memory of a {@code .data} file with a {@code -- mem} section, or null. */
    byte[] memory() {
        return data.flatMap(DataFile::memory).orElse(null);
    }

    /**
     * Reads a program, choosing the format by extension ({@code .data}, {@code .s}/{@code .asm},
     * {@code .bin}) and otherwise by content: text with a {@code -- asm} or {@code -- raw} line is a
     * {@code .data} file, other text is assembly, anything else (bytes that are not text, such as
     * the zero bytes every encoded program has) is raw.
     *
     * @throws CommandFailure if the file cannot be read, or does not follow its format
     */
    static ProgramFile read(Path path) {
        byte[] bytes = readBytes(path);
        return parse(path, bytes, detect(path, bytes));
    }

    /**
     * Reads a program as text: a {@code .data} file if it has that extension, else assembly.
     *
     * @throws CommandFailure if the file cannot be read, or does not follow its format
     */
    static ProgramFile readText(Path path) {
        byte[] bytes = readBytes(path);
        return parse(path, bytes, extension(path).equals("data") ? Format.DATA : Format.ASSEMBLY);
    }

    /** The bytes of a file, or a failure naming it. */
    static byte[] readBytes(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw CommandFailure.io(path, "read", e);
        }
    }

    static Format detect(Path path, byte[] bytes) {
        switch (extension(path)) {
            case "data" -> {
                return Format.DATA;
            }
            case "s", "asm" -> {
                return Format.ASSEMBLY;
            }
            case "bin" -> {
                return Format.RAW;
            }
            default -> { }
        }
        if (isElf(bytes)) {
            throw CommandFailure.about(path.toString(), new UnsupportedFeatureException(
                    "this is an ELF object file, which bpf4j cannot read yet; give raw instructions, assembly or a .data file"));
        }
        String text = text(bytes);
        if (text == null) {
            return Format.RAW;
        }
        return DATA_HEADER.matcher(text).find() ? Format.DATA : Format.ASSEMBLY;
    }

    private static ProgramFile parse(Path path, byte[] bytes, Format format) {
        String name = path.toString();
        try {
            return switch (format) {
                case DATA -> {
                    DataFile data = DataFile.parse(new String(bytes, StandardCharsets.UTF_8), name);
                    yield new ProgramFile(path, format, data.code(), Optional.of(data));
                }
                case ASSEMBLY -> new ProgramFile(path, format,
                        Assembler.assemble(new String(bytes, StandardCharsets.UTF_8), name), Optional.empty());
                case RAW -> new ProgramFile(path, format, decodeRaw(name, bytes), Optional.empty());
            };
        } catch (Bpf4jException e) {
            throw CommandFailure.about(name, e);
        }
    }

    private static Code decodeRaw(String name, byte[] bytes) {
        try {
            return Code.decode(bytes);
        } catch (MalformedInputException e) {
            throw e.in(name);
        }
    }

    private static String extension(Path path) {
        Path file = path.getFileName();
        String n = file == null ? "" : file.toString();
        int dot = n.lastIndexOf('.');
        return dot <= 0 ? "" : n.substring(dot + 1).toLowerCase(Locale.ROOT);
    }

    private static boolean isElf(byte[] bytes) {
        if (bytes.length < ELF_MAGIC.length) {
            return false;
        }
        for (int i = 0; i < ELF_MAGIC.length; i++) {
            if (bytes[i] != ELF_MAGIC[i]) {
                return false;
            }
        }
        return true;
    }

    /** The bytes as text if they are valid UTF-8 without control characters other than white space; else null. */
    private static String text(byte[] bytes) {
        String s;
        try {
            s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes))
                    .toString();
        } catch (CharacterCodingException e) {
            return null;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) && c != '\n' && c != '\r' && c != '\t' && c != '\f') {
                return null;
            }
        }
        return s;
    }
}
