package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.List;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;

/**
 * Walks the kernel's objects of one kind by id, the one loop behind every listing ({@code prog
 * show}, {@code map show}, {@code btf show}, {@code link show}): {@code BPF_*_GET_NEXT_ID} for the
 * next id, {@code BPF_*_GET_FD_BY_ID} to open it, a reader (usually {@code BPF_OBJ_GET_INFO_BY_FD})
 * while the descriptor is open, then close. Stateless.
 */
public final class KernelIds {
    private KernelIds() {
    }

    /** A kind of kernel object that has ids. */
    public enum Kind {
        /** Programs. */
        PROGRAM("program", Bpf.Command.PROG_GET_NEXT_ID, Bpf.Command.PROG_GET_FD_BY_ID),
        /** Maps. */
        MAP("map", Bpf.Command.MAP_GET_NEXT_ID, Bpf.Command.MAP_GET_FD_BY_ID),
        /** BTF objects (the kernel's, modules', programs'). */
        BTF("BTF", Bpf.Command.BTF_GET_NEXT_ID, Bpf.Command.BTF_GET_FD_BY_ID),
        /** Links. */
        LINK("link", Bpf.Command.LINK_GET_NEXT_ID, Bpf.Command.LINK_GET_FD_BY_ID);

        private final String noun;
        private final Bpf.Command next;
        private final Bpf.Command open;

        Kind(String noun, Bpf.Command next, Bpf.Command open) {
            this.noun = noun;
            this.next = next;
            this.open = open;
        }

        /** The word for one object of this kind in messages. */
        public String noun() {
            return noun;
        }
    }

    /** Reads something from an open descriptor; the walker closes it afterwards. */
    @FunctionalInterface
    public interface Reader<T> {
        /** Reads from {@code fd}, which stays owned by the caller. */
        T read(Bpf bpf, int fd);
    }

    /**
     * Every object of a kind in id order, each read while its descriptor is open. Objects that go
     * away between being listed and being opened or read are left out.
     */
    public static <T> List<T> all(Bpf bpf, Kind kind, Reader<T> reader) {
        List<T> out = new ArrayList<>();
        int id = 0;
        while ((id = bpf.getNextId(kind.next, id)) > 0) {
            int fd;
            try {
                fd = bpf.getFdById(kind.open, id);
            } catch (KernelException e) {
                if (e.errno() == Errno.ENOENT) {
                    continue; // gone meanwhile
                }
                throw e;
            }
            try (Fd owned = new Fd(fd, bpf, kind.noun + " " + id)) {
                out.add(reader.read(bpf, owned.value()));
            } catch (KernelException e) {
                if (e.errno() != Errno.ENOENT && e.errno() != Errno.EBADF) {
                    throw e;
                }
            }
        }
        return out;
    }

    /**
     * One object by id, read while its descriptor is open.
     *
     * @throws KernelException naming the object ({@code no program with id 7}) if there is none or it cannot be opened
     */
    public static <T> T one(Bpf bpf, Kind kind, int id, Reader<T> reader) {
        try (Fd fd = open(bpf, kind, id)) {
            return reader.read(bpf, fd.value());
        }
    }

    /**
     * Opens an object by id; the caller owns the descriptor.
     *
     * @throws KernelException naming the object if there is none or it cannot be opened
     */
    public static Fd open(Bpf bpf, Kind kind, int id) {
        return new Fd(openRaw(bpf, kind, id), bpf, kind.noun + " " + id);
    }

    /**
     * Opens an object by id and returns the bare descriptor, which the caller must close.
     *
     * @throws KernelException naming the object if there is none or it cannot be opened
     */
    public static int openRaw(Bpf bpf, Kind kind, int id) {
        try {
            return bpf.getFdById(kind.open, id);
        } catch (KernelException e) {
            if (e.errno() == Errno.ENOENT) {
                throw new KernelException(e.syscall(), e.errno(), "no " + kind.noun + " with id " + id);
            }
            throw new KernelException(e.syscall(), e.errno(), "opening " + kind.noun + " id " + id);
        }
    }
}
