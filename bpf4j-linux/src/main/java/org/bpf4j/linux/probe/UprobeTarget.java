package org.bpf4j.linux.probe;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.Bpf4jException;

/**
 * Where a uprobe goes: a file and an offset in it, and optionally the file offset of a
 * semaphore ({@code ref_ctr_offset}) the kernel increments while the probe is attached.
 * Immutable.
 *
 * @param path the executable or shared library, absolute
 * @param offset the probe's file offset
 * @param refCtrOffset the semaphore's file offset, or 0 for none
 * @param what the probe as a person names it ({@code /bin/x:main}), for messages
 */
public record UprobeTarget(Path path, long offset, long refCtrOffset, String what) {
    private static final List<Path> LIBRARY_DIRS = List.of(Path.of("/lib/x86_64-linux-gnu"),
            Path.of("/usr/lib/x86_64-linux-gnu"), Path.of("/lib/aarch64-linux-gnu"),
            Path.of("/usr/lib/aarch64-linux-gnu"), Path.of("/lib64"), Path.of("/usr/lib64"), Path.of("/lib"),
            Path.of("/usr/lib"), Path.of("/usr/local/lib"));

    /** Checks the fields. */
    public UprobeTarget {
        Objects.requireNonNull(path, "path");
        Objects.requireNonNull(what, "what");
        if (offset < 0 || refCtrOffset < 0) {
            throw new IllegalArgumentException("negative offset in " + what);
        }
    }

    /**
     * The probe at function {@code symbol} (plus {@code add} bytes) of {@code binary}: an
     * absolute or relative path, or a bare library name ({@code libc.so.6}) found in the usual
     * library directories.
     *
     * @throws Bpf4jException if the file or the symbol cannot be found
     */
    public static UprobeTarget ofSymbol(String binary, String symbol, long add) {
        Path file = locate(binary);
        NativeElf elf = NativeElf.read(file);
        NativeElf.Symbol s = elf.symbol(symbol).orElseThrow(() -> new Bpf4jException(file + ": no symbol '" + symbol
                + "' (looked in .symtab and .dynsym)"));
        if (add < 0 || (s.size() > 0 && add >= s.size())) {
            throw new Bpf4jException(file + ": offset " + add + " is outside '" + symbol + "' (" + s.size()
                    + " bytes)");
        }
        long offset = elf.fileOffset(s.value() + add);
        Optional<ArchiveMember> member = Files.exists(file) ? Optional.empty() : ArchiveMember.of(file.toString());
        if (member.isPresent()) {
            // a member of a ZIP archive: the kernel maps it from the archive, where the probe goes
            return new UprobeTarget(member.get().archive(), member.get().dataOffset() + offset, 0, file + ":" + symbol
                    + (add != 0 ? "+" + add : ""));
        }
        return new UprobeTarget(file, offset, 0, file + ":" + symbol + (add != 0 ? "+" + add : ""));
    }

    /**
     * The file a probe names: {@code binary} itself if it contains a slash, else the library of
     * that name in the usual library directories.
     */
    public static Path locate(String binary) {
        if (ArchiveMember.isArchivePath(binary) && ArchiveMember.archiveExists(binary)) {
            return Path.of(binary).toAbsolutePath().normalize(); // ARCHIVE.zip!/MEMBER
        }
        if (binary.contains("/")) {
            Path p = Path.of(binary).toAbsolutePath().normalize();
            if (!Files.isRegularFile(p)) {
                throw new Bpf4jException("no such file to probe: " + p);
            }
            return p;
        }
        for (Path dir : LIBRARY_DIRS) {
            Path p = dir.resolve(binary);
            if (Files.isRegularFile(p)) {
                return p.toAbsolutePath();
            }
        }
        throw new Bpf4jException("cannot find library '" + binary + "' in " + LIBRARY_DIRS);
    }
}
