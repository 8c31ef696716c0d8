package org.bpf4j.trace.probe;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.elf.ByteReader;

/**
 * The BTF files of a directory laid out as {@code /sys/kernel/btf}: {@code vmlinux} and each
 * module's split BTF on top of it. Files that cannot be read contribute nothing.
 */
final class KernelBtfFiles {
    /** What is taken from one file's BTF: its types from {@code firstId} on (a module's own). */
    @FunctionalInterface
    interface Extractor<T> {
        List<T> of(String module, Btf btf, int firstId);
    }

    private KernelBtfFiles() {}

    /** What {@code extractor} takes from vmlinux, then from each module in name order. */
    static <T> List<T> read(Path dir, Extractor<T> extractor) {
        Path vmlinux = dir.resolve("vmlinux");
        if (!Files.isReadable(vmlinux)) {
            return List.of();
        }
        Btf base;
        try {
            base = Btf.parse(ByteReader.of(Files.readAllBytes(vmlinux), vmlinux.toString()));
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
        List<T> out = new ArrayList<>(extractor.of("vmlinux", base, 1));
        List<Path> modules;
        try (Stream<Path> files = Files.list(dir)) {
            modules = files.filter(f -> !f.getFileName().toString().equals("vmlinux")).sorted().toList();
        } catch (IOException e) {
            modules = List.of();
        }
        for (Path m : modules) {
            try {
                Btf btf = Btf.parseSplit(ByteReader.of(Files.readAllBytes(m), m.toString()), base);
                out.addAll(extractor.of(m.getFileName().toString(), btf, base.size()));
            } catch (IOException | RuntimeException e) {
                // a module whose BTF cannot be read contributes nothing
            }
        }
        return List.copyOf(out);
    }
}
