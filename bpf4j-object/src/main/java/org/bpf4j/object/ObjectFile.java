package org.bpf4j.object;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.MalformedInputException;

/**
 * Reads eBPF object files (ELF64 little-endian relocatables as {@code clang -target bpf -c}
 * writes them) into {@link ObjectSpec}s.
 *
 * <p>What is read: programs found by section name and function symbol (libbpf's conventions,
 * several programs per section, static and global functions), {@code .text} subprograms linked by
 * bpf-to-bpf calls, maps from BTF ({@code .maps}), from the legacy {@code maps} section
 * ({@code struct bpf_map_def} and iproute2's {@code struct bpf_elf_map}) and from global data
 * ({@code .data}, {@code .rodata}, {@code .bss} and their sub-sections), {@code .kconfig} and
 * {@code __ksym} externs, BTF and BTF.ext (function info, line info, CO-RE relocations), the
 * license and the kernel version. See {@code docs/architecture.md} for the differences from
 * libbpf.
 *
 * <p>A damaged or inconsistent object gives a {@link MalformedInputException} whose message names
 * the file, the section and, where relevant, the program, instruction, relocation or BTF type id;
 * no other exception escapes for any input bytes. Thread-safe (no state).
 */
public final class ObjectFile {
    private ObjectFile() {
    }

    /**
     * Reads and parses an object file; its file name names it in the spec and in messages.
     *
     * @throws MalformedInputException if the object is malformed
     * @throws UncheckedIOException if the file cannot be read
     */
    public static ObjectSpec read(Path path) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        Path fileName = path.getFileName();
        return parse(bytes, fileName == null ? path.toString() : fileName.toString());
    }

    /**
     * Parses an object file's bytes.
     *
     * @param bytes the whole file; not modified, not retained
     * @param name the object's name for the spec and for messages, such as {@code "foo.o"}
     * @throws MalformedInputException if the object is malformed
     */
    public static ObjectSpec parse(byte[] bytes, String name) {
        try {
            return new ObjectParser(bytes, name).parse();
        } catch (UnresolvedSymbolException e) {
            throw e;
        } catch (MalformedInputException e) {
            throw e.getMessage() != null && e.getMessage().startsWith(name + ": ") ? e : e.in(name);
        } catch (RuntimeException | StackOverflowError | OutOfMemoryError e) {
            // A parser bug must still not reach the user as a trace.
            throw new MalformedInputException(name + ": cannot be read (" + e + ")", e);
        }
    }
}
