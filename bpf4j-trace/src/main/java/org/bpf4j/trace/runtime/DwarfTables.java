package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BiConsumer;
import org.bpf4j.linux.probe.NativeElf;
import org.bpf4j.linux.sys.Posix;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.symbols.EhFrame;

/**
 * The unwind tables of {@code dw_ustack}'s target processes, in the maps the programs read
 * ({@link CompiledScript#dwarfRowsIndex()}): each process's rows, made from the {@code .eh_frame}
 * of every executable file it maps, moved to the addresses it maps them at and sorted; and the
 * table of processes (pid, first row, rows).
 *
 * <p>The command of {@code -c} is held in a shell until the probes are attached; where the backend
 * can ({@link Backend#stopAtEntry}), it is stopped when its program reaches its entry point (the
 * libraries it needs mapped, none of its code run), its tables are written, and it continues
 * ({@link #awaitEntry}): its first events have its whole stack, as current bpftrace's. The maps of
 * a process are read again while the script runs ({@link #refresh()}, at most every
 * {@link #REFRESH_NANOS}), so that libraries loaded later get their rows (and, where it could not
 * be stopped, the command of {@code -c} once it runs; until then the rows are those of the
 * program's file where it does not move, not position-independent).
 */
final class DwarfTables {
    /**
     * The word of the program's array of registers (the order of {@code struct sigcontext}: r8-r15,
     * rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp) holding each x86-64 DWARF register 0-15 (rax, rdx,
     * rcx, rbx, rsi, rdi, rbp, rsp, r8-r15): a {@link EhFrame#CFA_REG} or {@link EhFrame#RA_REG}
     * row's register as the program reads it.
     */
    private static final int[] REGISTER_INDEX = {13, 12, 14, 11, 9, 8, 10, 15, 0, 1, 2, 3, 4, 5, 6, 7};

    static final long REFRESH_NANOS = 100_000_000L;

    private final Backend.MapStore rows;
    private final Backend.MapStore pids;
    private final Map<Integer, Path> held = new HashMap<>();
    /** The file each held process ran when it was held (the shell): another one is the command's. */
    private final Map<Integer, Path> holders = new HashMap<>();
    /** The held process and its entry stop, until it has been seen stopped there (or gone). */
    private Integer stopping;
    private AutoCloseable entryStop;
    private BiConsumer<Integer, String> mapsRead = (pid, maps) -> { };
    private final Map<Integer, String> seen = new LinkedHashMap<>();
    private final Map<Integer, List<EhFrame.Row>> tables = new LinkedHashMap<>();
    private final Map<String, List<EhFrame.Row>> files = new HashMap<>();
    private final Map<String, NativeElf> elves = new HashMap<>();
    private long lastRefresh;

    DwarfTables(Backend.MapStore rows, Backend.MapStore pids) {
        this.rows = rows;
        this.pids = pids;
    }

    /**
     * Sets the target processes; {@code program} is the program a held {@code -c} command will run
     * (its pid maps a shell until then), or null. Writes the tables.
     */
    void load(List<Integer> targets, Integer child, Path program) {
        for (int pid : targets) {
            if (tables.size() >= CompiledScript.DWARF_PIDS) {
                break;
            }
            tables.put(pid, List.of());
            seen.put(pid, "");
        }
        if (child != null && program != null) {
            Path real;
            try {
                real = program.toRealPath();
            } catch (IOException e) {
                real = program.toAbsolutePath();
            }
            held.put(child, real);
            try {
                holders.put(child, Files.readSymbolicLink(Path.of("/proc", child.toString(), "exe")));
            } catch (IOException | UnsupportedOperationException e) {
                // the program's own path then tells when it runs
            }
            tables.put(child, fixedRows(program));
        }
        refresh(true);
    }

    /** Who is told each process's maps as they are read (the symbols of a process that has exited since). */
    void onMapsRead(BiConsumer<Integer, String> listener) {
        this.mapsRead = listener;
    }

    /**
     * Waits, up to {@code timeoutNanos}, until the held command of {@code -c}, just released, has
     * been stopped at its program's entry by {@code stop} ({@link Backend#stopAtEntry}); then
     * writes its tables (the program and the libraries the loader mapped), removes the stop and
     * continues it. If it is not stopped by then, {@link #refresh()} looks for the stop again.
     * Does nothing without a stop.
     */
    void awaitEntry(int pid, AutoCloseable stop, long timeoutNanos) {
        if (stop == null) {
            return;
        }
        stopping = pid;
        entryStop = stop;
        long deadline = System.nanoTime() + timeoutNanos;
        while (stopping != null && System.nanoTime() < deadline) {
            checkEntryStop();
            if (stopping != null) {
                LockSupport.parkNanos(200_000L);
            }
        }
    }

    /**
     * Removes the entry stop if it is still armed (the run ended before the command reached its
     * entry, or before it was seen stopped there), so that the command is not stopped later.
     */
    void close() {
        if (entryStop == null) {
            return;
        }
        stopping = null;
        try {
            entryStop.close();
        } catch (Exception e) {
            // the stop's link is gone with the process
        }
        entryStop = null;
    }

    /** If the process of the entry stop is stopped there (or gone), its tables and its continuation. */
    private void checkEntryStop() {
        int pid = stopping;
        char state;
        try {
            String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
            int close = stat.lastIndexOf(')');
            state = close < 0 || close + 2 >= stat.length() ? 'X' : stat.charAt(close + 2);
        } catch (IOException e) {
            state = 'X'; // gone
        }
        if (state != 'T' && state != 'X' && state != 'Z') {
            return;
        }
        close();
        if (state == 'T') {
            try {
                refresh(true);
            } finally {
                // continued even if its tables could not be written: a command left stopped would hang the run
                try {
                    Posix.kill(pid, Posix.SIGCONT);
                } catch (RuntimeException e) {
                    // it ended meanwhile
                }
            }
        }
    }

    /** Reads the processes' maps again (when {@link #REFRESH_NANOS} have passed) and rewrites changed tables. */
    void refresh() {
        if (stopping != null) {
            checkEntryStop();
        }
        refresh(false);
    }

    private void refresh(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastRefresh < REFRESH_NANOS) {
            return;
        }
        lastRefresh = now;
        boolean changed = force;
        for (int pid : new ArrayList<>(tables.keySet())) {
            Path program = held.get(pid);
            if (program != null) {
                try {
                    Path exe = Files.readSymbolicLink(Path.of("/proc", Integer.toString(pid), "exe"));
                    Path holder = holders.get(pid);
                    if (!exe.equals(program) && (holder == null || exe.equals(holder))) {
                        continue; // still the shell that holds the command (a script's interpreter is another file)
                    }
                } catch (IOException | UnsupportedOperationException e) {
                    continue;
                }
                held.remove(pid);
            }
            String maps;
            try {
                maps = Files.readString(Path.of("/proc", Integer.toString(pid), "maps"));
            } catch (IOException e) {
                continue; // ended, or not there
            }
            String executable = executableLines(maps);
            if (executable.equals(seen.get(pid))) {
                continue;
            }
            mapsRead.accept(pid, maps);
            seen.put(pid, executable);
            tables.put(pid, processRows(executable));
            changed = true;
        }
        if (changed) {
            write();
        }
    }

    private static String executableLines(String maps) {
        StringBuilder sb = new StringBuilder();
        for (String line : maps.split("\n")) {
            String[] f = line.trim().split("\\s+", 6);
            if (f.length == 6 && f[1].contains("x") && f[5].startsWith("/")) {
                sb.append(line).append('\n');
            }
        }
        return sb.toString();
    }

    /** The rows of a process from its executable mappings. */
    private List<EhFrame.Row> processRows(String executable) {
        List<EhFrame.Row> out = new ArrayList<>();
        for (String line : executable.split("\n")) {
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.trim().split("\\s+", 6);
            String[] range = f[0].split("-");
            long start = Long.parseUnsignedLong(range[0], 16);
            long end = Long.parseUnsignedLong(range[1], 16);
            long offset = Long.parseUnsignedLong(f[2], 16);
            String path = f[5].endsWith(" (deleted)") ? f[5].substring(0, f[5].length() - 10) : f[5];
            NativeElf elf = elf(path);
            if (elf == null) {
                continue;
            }
            Long vaddr = null;
            for (NativeElf.Segment s : elf.segments()) {
                if (offset >= s.offset() && offset < s.offset() + Math.max(1, s.fileSize())) {
                    vaddr = s.vaddr() + (offset - s.offset());
                    break;
                }
            }
            if (vaddr == null) {
                continue;
            }
            long bias = start - vaddr;
            for (EhFrame.Row r : files.get(path)) {
                if (r.pc() >= vaddr && r.pc() < vaddr + (end - start)) {
                    out.add(new EhFrame.Row(r.pc() + bias, r.kind(), r.cfaOffset(), r.rbpOffset(), r.extra()));
                }
            }
            out.add(new EhFrame.Row(end, EhFrame.STOP, 0, 0));
        }
        return sortRows(out);
    }

    /** The rows of a program that is not position-independent (an ELF {@code ET_EXEC}): at its own addresses. */
    private List<EhFrame.Row> fixedRows(Path program) {
        try {
            byte[] head = new byte[18];
            try (var in = Files.newInputStream(program)) {
                if (in.readNBytes(head, 0, 18) < 18) {
                    return List.of();
                }
            }
            if ((head[16] & 0xff) != 2) { // ET_EXEC
                return List.of();
            }
        } catch (IOException e) {
            return List.of();
        }
        NativeElf elf = elf(program.toString());
        return elf == null ? List.of() : files.get(program.toString());
    }

    private NativeElf elf(String path) {
        if (!elves.containsKey(path)) {
            NativeElf elf = null;
            try {
                elf = NativeElf.read(Path.of(path));
            } catch (RuntimeException e) {
                // not an ELF file, or unreadable: no rows
            }
            elves.put(path, elf);
            files.put(path, elf == null ? List.of() : EhFrame.rows(elf));
        }
        return elves.get(path);
    }

    private static List<EhFrame.Row> sortRows(List<EhFrame.Row> rows) {
        List<EhFrame.Row> sorted = new ArrayList<>(rows);
        sorted.sort(Comparator.comparingLong(EhFrame.Row::pc)
                .thenComparing(r -> r.kind() == EhFrame.STOP ? 0 : 1));
        List<EhFrame.Row> out = new ArrayList<>();
        for (EhFrame.Row r : sorted) {
            if (!out.isEmpty() && out.getLast().pc() == r.pc()) {
                out.removeLast();
            }
            out.add(r);
        }
        return out;
    }

    /** A row's {@code extra} as the program reads it: registers as indices of its array of them. */
    static int extraByte(EhFrame.Row row) {
        return switch (row.kind() & ~(EhFrame.RBP_AT_RBP | EhFrame.REGISTERS)) {
            case EhFrame.CFA_REG, EhFrame.CFA_DEREF_INDEX -> REGISTER_INDEX[row.extra()];
            case EhFrame.RA_REG -> REGISTER_INDEX[row.extra() & 0xff] | REGISTER_INDEX[row.extra() >> 8] << 4;
            default -> row.extra();
        };
    }

    /** A row's rbp offset as the program reads it: for rbp in a register, the register's index. */
    static int rbpField(EhFrame.Row row) {
        boolean inRegister = (row.kind() & EhFrame.REGISTERS) != 0
                && (row.kind() & ~(EhFrame.RBP_AT_RBP | EhFrame.REGISTERS)) != EhFrame.CFA_SIGNAL;
        return inRegister ? REGISTER_INDEX[row.rbpOffset()] : row.rbpOffset();
    }

    private void write() {
        ByteBuffer r = ByteBuffer.allocate(CompiledScript.DWARF_ROWS * CompiledScript.DWARF_ROW_BYTES)
                .order(ByteOrder.LITTLE_ENDIAN);
        ByteBuffer p = ByteBuffer.allocate(16 * CompiledScript.DWARF_PIDS).order(ByteOrder.LITTLE_ENDIAN);
        int next = 0;
        int slot = 0;
        for (Map.Entry<Integer, List<EhFrame.Row>> e : tables.entrySet()) {
            List<EhFrame.Row> t = e.getValue();
            if (t.isEmpty()) {
                continue;
            }
            if (next + t.size() > CompiledScript.DWARF_ROWS) {
                continue; // no room: the process is left out (its stacks are ustack's, with the runtime warning)
            }
            for (EhFrame.Row row : t) {
                int at = (next++) * CompiledScript.DWARF_ROW_BYTES;
                r.putLong(at, row.pc());
                r.putInt(at + 8, row.cfaOffset());
                r.putShort(at + 12, (short) rbpField(row));
                r.put(at + 14, (byte) row.kind());
                r.put(at + 15, (byte) extraByte(row));
            }
            p.putInt(16 * slot, e.getKey());
            p.putInt(16 * slot + 4, next - t.size());
            p.putInt(16 * slot + 8, t.size());
            slot++;
        }
        rows.overwrite(new byte[4], r.array());
        pids.overwrite(new byte[4], p.array());
    }
}
