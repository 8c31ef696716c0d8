package org.bpf4j.linux.probe;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.MalformedInputException;

/**
 * One USDT probe site from a binary's {@code .note.stapsdt} section: where it is (as a file
 * offset, ready for a uprobe), its semaphore if it has one, and its arguments. Immutable.
 *
 * @param path the binary
 * @param provider the provider ({@code bpf4j} in {@code STAP_PROBE(bpf4j, tick)})
 * @param name the probe's name
 * @param address the probe's virtual address after the {@code .stapsdt.base} adjustment
 * @param offset the probe's file offset
 * @param semaphoreOffset the semaphore's file offset, or 0 if the probe has none
 * @param arguments the arguments, parsed
 * @param argumentText the argument specs as written
 */
public record UsdtProbe(Path path, String provider, String name, long address, long offset, long semaphoreOffset,
        List<UsdtArgument> arguments, String argumentText) {
    private static final int NT_STAPSDT = 3;

    /** The probe as a uprobe target, with its semaphore. */
    public UprobeTarget target() {
        return new UprobeTarget(path, offset, semaphoreOffset, path + ":" + provider + ":" + name);
    }

    /**
     * Every probe of a binary, in note order. An argument spec bpf4j cannot read is kept as
     * {@link UsdtArgument.Unsupported}.
     *
     * @throws MalformedInputException if a note is damaged
     */
    public static List<UsdtProbe> read(Path binary) {
        NativeElf elf = NativeElf.read(binary);
        Optional<NativeElf.Section> notes = elf.section(".note.stapsdt");
        if (notes.isEmpty()) {
            return List.of();
        }
        long baseAddress = elf.section(".stapsdt.base").map(NativeElf.Section::address).orElse(0L);
        ByteBuffer b = elf.data(notes.get());
        List<UsdtProbe> out = new ArrayList<>();
        int pos = 0;
        while (pos + 12 <= b.limit()) {
            int namesz = b.getInt(pos);
            int descsz = b.getInt(pos + 4);
            int type = b.getInt(pos + 8);
            int nameAt = pos + 12;
            int descAt = nameAt + align4(namesz);
            int next = descAt + align4(descsz);
            if (namesz < 0 || descsz < 0 || next > b.limit()) {
                throw new MalformedInputException(binary + ": .note.stapsdt: note at " + pos + " runs past the section");
            }
            if (type == NT_STAPSDT && descsz >= 24) {
                long pc = b.getLong(descAt);
                long base = b.getLong(descAt + 8);
                long sem = b.getLong(descAt + 16);
                int[] at = {descAt + 24};
                int end = descAt + descsz;
                String provider = string(b, at, end);
                String probe = string(b, at, end);
                String args = string(b, at, end);
                if (baseAddress != 0 && base != 0) {
                    pc += baseAddress - base;
                    if (sem != 0) {
                        sem += baseAddress - base;
                    }
                }
                List<UsdtArgument> parsed = UsdtArgument.parseAll(args);
                out.add(new UsdtProbe(binary, provider, probe, pc, elf.fileOffset(pc), sem == 0 ? 0 : elf.fileOffset(sem),
                        parsed, args));
            }
            pos = next;
        }
        return List.copyOf(out);
    }

    /** The probes of a binary with a provider and name (one per call site). */
    public static List<UsdtProbe> find(Path binary, String provider, String name) {
        return read(binary).stream().filter(p -> p.provider().equals(provider) && p.name().equals(name)).toList();
    }

    private static int align4(int n) {
        return (n + 3) & ~3;
    }

    private static String string(ByteBuffer b, int[] at, int end) {
        int start = at[0];
        int i = start;
        while (i < end && b.get(i) != 0) {
            i++;
        }
        byte[] s = new byte[i - start];
        b.get(start, s);
        at[0] = Math.min(end, i + 1);
        return new String(s, StandardCharsets.UTF_8);
    }

}
