package org.bpf4j.linux;

import java.lang.foreign.MemorySegment;
import java.util.HexFormat;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Layouts;
import org.bpf4j.linux.sys.Struct;

/** What {@code BPF_OBJ_GET_INFO_BY_FD} says about programs, maps and BTF objects. Stateless. */
public final class KernelInfo {
    private KernelInfo() {
    }

    /**
     * A program as the kernel describes it.
     *
     * @param type the program type id
     * @param id the kernel id
     * @param tag the program's tag (hash of its instructions) in hex
     * @param name the name given at load (at most 15 characters)
     * @param jitedLength bytes of JIT-compiled code
     * @param xlatedLength bytes of translated instructions
     * @param loadTime load time, nanoseconds since boot
     * @param uid the loading user's uid
     * @param mapIds the ids of the maps the program uses
     * @param btfId the BTF object's id, 0 if none
     * @param verifiedInstructions instructions the verifier processed
     */
    public record ProgramInfo(int type, int id, String tag, String name, int jitedLength, int xlatedLength,
            long loadTime, int uid, int[] mapIds, int btfId, int verifiedInstructions) {
    }

    /**
     * A map as the kernel describes it.
     *
     * @param type the map type id
     * @param id the kernel id
     * @param keySize key size in bytes
     * @param valueSize value size in bytes
     * @param maxEntries maximum number of entries
     * @param flags {@code map_flags}
     * @param name the name given at creation
     * @param btfId the BTF object's id, 0 if none
     */
    public record MapInfo(int type, int id, int keySize, int valueSize, int maxEntries, int flags, String name,
            int btfId) {
    }

    /** The info of a program fd. */
    public static ProgramInfo programInfo(Bpf bpf, int fd) {
        byte[] first = new byte[(int) Layouts.PROG_INFO.size()];
        bpf.objGetInfo(fd, first);
        Struct s = Layouts.PROG_INFO;
        int nMaps = s.getInt(MemorySegment.ofArray(first), "nr_map_ids");
        byte[] info = new byte[(int) Layouts.PROG_INFO.size()];
        int[] maps = new int[nMaps];
        if (nMaps > 0) {
            bpf.progGetInfo(fd, info, maps);
        } else {
            info = first;
        }
        MemorySegment m = MemorySegment.ofArray(info);
        return new ProgramInfo(s.getInt(m, "type"), s.getInt(m, "id"), HexFormat.of().formatHex(s.getBytes(m, "tag")),
                s.getString(m, "name"), s.getInt(m, "jited_prog_len"), s.getInt(m, "xlated_prog_len"),
                s.getLong(m, "load_time"), s.getInt(m, "created_by_uid"), maps, s.getInt(m, "btf_id"),
                s.getInt(m, "verified_insns"));
    }

    /** The info of a map fd. */
    public static MapInfo mapInfo(Bpf bpf, int fd) {
        byte[] info = new byte[(int) Layouts.MAP_INFO.size()];
        bpf.objGetInfo(fd, info);
        MemorySegment m = MemorySegment.ofArray(info);
        Struct s = Layouts.MAP_INFO;
        return new MapInfo(s.getInt(m, "type"), s.getInt(m, "id"), s.getInt(m, "key_size"), s.getInt(m, "value_size"),
                s.getInt(m, "max_entries"), s.getInt(m, "map_flags"), s.getString(m, "name"), s.getInt(m, "btf_id"));
    }

    /**
     * A program's instructions as the kernel holds them: after the verifier's rewrites
     * ({@code xlated}, eBPF with map references as map ids and helper calls as the kernel's call
     * offsets) or as machine code ({@code jited}, empty when the program is not JIT-compiled).
     */
    public static byte[] programInstructions(Bpf bpf, int fd, boolean jited) {
        Struct s = Layouts.PROG_INFO;
        byte[] first = new byte[(int) s.size()];
        bpf.objGetInfo(fd, first);
        String len = jited ? "jited_prog_len" : "xlated_prog_len";
        int n = s.getInt(MemorySegment.ofArray(first), len);
        if (n == 0) {
            return new byte[0];
        }
        byte[] info = new byte[(int) s.size()];
        s.set(MemorySegment.ofArray(info), len, n);
        byte[] insns = new byte[n];
        bpf.objGetInfo(fd, info, new long[] {s.offset(jited ? "jited_prog_insns" : "xlated_prog_insns")},
                new byte[][] {insns});
        return insns;
    }

    /**
     * A BTF object as the kernel describes it.
     *
     * @param id the kernel id
     * @param name its name: {@code vmlinux}, a module's name, or empty for a program's BTF
     * @param size the size of its data in bytes
     * @param kernel whether it is the kernel's or a module's BTF
     */
    public record BtfInfo(int id, String name, int size, boolean kernel) {
    }

    /** The info of a BTF fd. */
    public static BtfInfo btfInfo(Bpf bpf, int fd) {
        Struct s = Layouts.BTF_INFO;
        byte[] info = new byte[(int) s.size()];
        byte[] name = new byte[64];
        s.set(MemorySegment.ofArray(info), "name_len", name.length);
        bpf.objGetInfo(fd, info, new long[] {s.offset("name")}, new byte[][] {name});
        MemorySegment m = MemorySegment.ofArray(info);
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        return new BtfInfo(s.getInt(m, "id"), new String(name, 0, end, java.nio.charset.StandardCharsets.UTF_8),
                s.getInt(m, "btf_size"), s.getInt(m, "kernel_btf") != 0);
    }

    /** The raw data of a BTF fd (the {@code .BTF} format; split BTF for a module). */
    public static byte[] btfData(Bpf bpf, int fd) {
        int size = btfInfo(bpf, fd).size();
        Struct s = Layouts.BTF_INFO;
        byte[] info = new byte[(int) s.size()];
        s.set(MemorySegment.ofArray(info), "btf_size", size);
        byte[] data = new byte[size];
        bpf.objGetInfo(fd, info, new long[] {s.offset("btf")}, new byte[][] {data});
        return data;
    }
}
