package org.bpf4j.trace.symbols;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bpf4j.linux.probe.NativeElf;

/**
 * Where a binary's debug information is when the binary does not hold it, found as libdw's
 * standard search finds it (which bpftrace uses): by build id under each absolute directory of
 * the search path ({@code DIR/.build-id/xx/rest.debug}), then by the {@code .gnu_debuglink} name
 * (or {@code BINARY.debug}) in each directory of the path: an empty entry is the binary's own
 * directory, a relative one a subdirectory of it, an absolute one that directory followed by the
 * binary's directory (its leading components dropped one at a time). A file found must carry the
 * binary's build id when the binary has one. Split DWARF ({@code .dwo} files and {@code .dwp}
 * packages) is found next to the binary or where the skeleton unit names it.
 */
public final class DebugFiles {
    private DebugFiles() {}

    /** bpftrace's directories after those of {@code --debuginfo}: the binary's, its {@code .debug}, {@code /usr/lib/debug}. */
    public static final String DEFAULT_PATH = ":.debug:/usr/lib/debug";

    private static volatile String searchPath = DEFAULT_PATH;

    /**
     * Sets the search path of this process (bpftrace's {@code --debuginfo DIR[:DIR]} entries
     * followed by {@link #DEFAULT_PATH}).
     *
     * @param extra the directories given, in order (may be empty)
     */
    public static void searchFirst(List<String> extra) {
        StringBuilder sb = new StringBuilder();
        for (String e : extra) {
            sb.append(e).append(':');
        }
        searchPath = sb + DEFAULT_PATH;
    }

    /** The search path in effect, colon-separated. */
    public static String searchPath() {
        return searchPath;
    }

    /** The GNU build id of an ELF file, in hex, or empty. */
    public static Optional<String> buildId(NativeElf elf) {
        for (NativeElf.Section s : elf.sections()) {
            if (s.type() != 7) { // SHT_NOTE
                continue;
            }
            ByteBuffer b = elf.data(s).slice().order(ByteOrder.LITTLE_ENDIAN);
            int p = 0;
            while (p + 12 <= b.limit()) {
                int nameSize = b.getInt(p);
                int descSize = b.getInt(p + 4);
                int type = b.getInt(p + 8);
                int name = p + 12;
                int desc = name + align4(nameSize);
                if (desc + descSize > b.limit() || nameSize < 0 || descSize < 0) {
                    break;
                }
                if (type == 3 && nameSize == 4 && b.get(name) == 'G' && b.get(name + 1) == 'N' && b.get(name + 2) == 'U') {
                    byte[] id = new byte[descSize];
                    b.get(desc, id);
                    return Optional.of(HexFormat.of().formatHex(id));
                }
                p = desc + align4(descSize);
            }
        }
        return Optional.empty();
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    /** The name in a binary's {@code .gnu_debuglink}, or empty. */
    static Optional<String> debugLink(NativeElf elf) {
        return elf.section(".gnu_debuglink").map(s -> {
            ByteBuffer b = elf.data(s).slice();
            int end = 0;
            while (end < b.limit() && b.get(end) != 0) {
                end++;
            }
            byte[] name = new byte[end];
            b.get(0, name);
            return new String(name, StandardCharsets.UTF_8);
        }).filter(n -> !n.isEmpty());
    }

    /**
     * The separate debug file of a binary on a search path, or empty.
     *
     * @param binary the binary (made absolute)
     * @param elf the binary's ELF
     * @param path the search path, colon-separated
     */
    static Optional<Path> separate(Path binary, NativeElf elf, String path) {
        Path abs = binary.toAbsolutePath().normalize();
        Optional<String> id = buildId(elf);
        if (path.startsWith("+") || path.startsWith("-")) {
            path = path.substring(1);
        }
        List<String> entries = List.of(path.split(":", -1));
        if (id.isPresent() && id.get().length() > 2) {
            for (String e : entries) {
                String dir = e.startsWith("+") || e.startsWith("-") ? e.substring(1) : e;
                if (dir.startsWith("/")) {
                    Path p = Path.of(dir, ".build-id", id.get().substring(0, 2), id.get().substring(2) + ".debug");
                    if (valid(p, abs, id)) {
                        return Optional.of(p);
                    }
                }
            }
        }
        String link = debugLink(elf).orElse(abs.getFileName() + ".debug");
        Path dir = abs.getParent();
        for (String e : entries) {
            String entry = e.startsWith("+") || e.startsWith("-") ? e.substring(1) : e;
            List<Path> candidates = new ArrayList<>();
            if (entry.isEmpty()) {
                candidates.add(dir.resolve(link));
            } else if (entry.startsWith("/")) {
                // the binary's directory below the entry, its leading components dropped one at a time
                for (int k = 0; k <= dir.getNameCount(); k++) {
                    Path sub = k == dir.getNameCount() ? Path.of("") : dir.subpath(k, dir.getNameCount());
                    candidates.add(Path.of(entry).resolve(sub).resolve(link));
                }
            } else {
                candidates.add(dir.resolve(entry).resolve(link));
            }
            for (Path c : candidates) {
                if (valid(c, abs, id)) {
                    return Optional.of(c.normalize());
                }
            }
        }
        return Optional.empty();
    }

    /** A regular file other than the binary itself whose build id, if the binary has one, is the binary's. */
    private static boolean valid(Path candidate, Path binary, Optional<String> id) {
        try {
            if (!Files.isRegularFile(candidate) || Files.isSameFile(candidate, binary)) {
                return false;
            }
            if (id.isEmpty()) {
                return true;
            }
            return buildId(NativeElf.read(candidate)).equals(id);
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /**
     * The split DWARF file a skeleton unit names: its {@code DW_AT_dwo_name} as written (absolute,
     * or under the unit's compilation directory), else that file's name in the binary's directory.
     */
    static Optional<Path> dwo(Path binary, String dwoName, String compDir) {
        List<Path> candidates = new ArrayList<>();
        Path dir = binary.toAbsolutePath().normalize().getParent();
        if (dwoName != null && !dwoName.isEmpty()) {
            Path named = Path.of(dwoName);
            candidates.add(named.isAbsolute() || compDir == null ? named : Path.of(compDir).resolve(named));
            candidates.add(dir.resolve(named.getFileName()));
        } else {
            String stem = binary.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            candidates.add(dir.resolve(stem + ".dwo"));
        }
        return candidates.stream().filter(Files::isRegularFile).findFirst();
    }

    /** The DWARF package next to a binary ({@code BINARY.dwp}), or empty. */
    static Optional<Path> dwp(Path binary) {
        Path p = binary.toAbsolutePath().normalize().resolveSibling(binary.getFileName() + ".dwp");
        return Files.isRegularFile(p) ? Optional.of(p) : Optional.empty();
    }
}
