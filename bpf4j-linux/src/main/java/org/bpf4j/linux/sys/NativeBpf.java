package org.bpf4j.linux.sys;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import org.bpf4j.linux.KernelException;

/**
 * {@link Bpf} through {@code syscall(__NR_bpf, ...)} with {@code java.lang.foreign}. Every call
 * builds its attributes in a confined arena that is freed when the call returns. Stateless and
 * thread-safe; use {@link #INSTANCE}.
 */
public final class NativeBpf implements Bpf {
    /** The one instance. */
    public static final NativeBpf INSTANCE = new NativeBpf();

    private NativeBpf() {
    }

    /** One call's memory: the attributes and the errno capture. */
    private static final class Call implements AutoCloseable {
        final Arena arena = Arena.ofConfined();
        final MemorySegment attr = arena.allocate(Layouts.BPF_ATTR_SIZE, 8);
        final MemorySegment capture = Native.captureSegment(arena);
        int errno;

        MemorySegment bytes(byte[] b) {
            if (b == null) {
                return MemorySegment.NULL;
            }
            MemorySegment s = arena.allocate(Math.max(1, b.length), 8);
            MemorySegment.copy(b, 0, s, ValueLayout.JAVA_BYTE, 0, b.length);
            return s;
        }

        MemorySegment buffer(int size) {
            return size <= 0 ? MemorySegment.NULL : arena.allocate(size, 8);
        }

        MemorySegment string(String s) {
            return arena.allocateFrom(s, StandardCharsets.UTF_8);
        }

        /** Runs the command; returns its result, or -1 with {@link #errno} set. */
        long run(Command cmd, Struct layout) {
            long r = Native.bpf(capture, cmd.number(), attr, (int) layout.size());
            errno = r < 0 ? Native.errno(capture) : 0;
            return r;
        }

        /** {@link #run} on the process's first thread ({@link FirstThread}) if it can be, else on this one. */
        long runOnFirstThread(Command cmd, Struct layout) {
            java.util.OptionalLong r = FirstThread.syscall(SyscallNumbers.current().bpf(), cmd.number(), attr.address(),
                    layout.size());
            if (r.isEmpty()) {
                return run(cmd, layout);
            }
            long v = r.getAsLong();
            errno = v < 0 ? (int) -v : 0;
            return v < 0 ? -1 : v;
        }

        @Override
        public void close() {
            arena.close();
        }
    }

    private static KernelException fail(Command cmd, int errno, String what) {
        return new KernelException(cmd.callName(), errno, what);
    }

    private static void copyOut(MemorySegment from, byte[] to) {
        if (to != null && to.length > 0) {
            MemorySegment.copy(from, ValueLayout.JAVA_BYTE, 0, to, 0, to.length);
        }
    }

    @Override
    public int mapCreate(MapCreate a) {
        try (Call c = new Call()) {
            Struct s = Layouts.MAP_CREATE;
            s.set(c.attr, "map_type", a.mapType());
            s.set(c.attr, "key_size", a.keySize());
            s.set(c.attr, "value_size", a.valueSize());
            s.set(c.attr, "max_entries", a.maxEntries());
            s.set(c.attr, "map_flags", a.flags());
            s.set(c.attr, "inner_map_fd", a.innerMapFd());
            s.set(c.attr, "numa_node", a.numaNode());
            s.setString(c.attr, "map_name", a.name());
            s.set(c.attr, "map_ifindex", a.ifindex());
            s.set(c.attr, "btf_fd", a.btfFd());
            s.set(c.attr, "btf_key_type_id", a.btfKeyTypeId());
            s.set(c.attr, "btf_value_type_id", a.btfValueTypeId());
            s.set(c.attr, "btf_vmlinux_value_type_id", a.btfVmlinuxValueTypeId());
            s.set(c.attr, "map_extra", a.mapExtra());
            long r = c.run(Command.MAP_CREATE, s);
            if (r < 0) {
                throw fail(Command.MAP_CREATE, c.errno, "creating map '" + a.name() + "'");
            }
            return (int) r;
        }
    }

    private long elem(Command cmd, int fd, byte[] key, byte[] value, byte[] valueOut, long flags, Call c) {
        Struct s = Layouts.MAP_ELEM;
        s.set(c.attr, "map_fd", fd);
        s.set(c.attr, "key", c.bytes(key));
        MemorySegment v = valueOut != null ? c.buffer(valueOut.length) : c.bytes(value);
        s.set(c.attr, "value", v);
        s.set(c.attr, "flags", flags);
        long r = c.run(cmd, s);
        if (r >= 0 && valueOut != null) {
            copyOut(v, valueOut);
        }
        return r;
    }

    @Override
    public boolean mapLookup(int mapFd, byte[] key, byte[] value, long flags) {
        try (Call c = new Call()) {
            if (elem(Command.MAP_LOOKUP_ELEM, mapFd, key, null, value, flags, c) >= 0) {
                return true;
            }
            if (c.errno == Errno.ENOENT) {
                return false;
            }
            throw fail(Command.MAP_LOOKUP_ELEM, c.errno, "looking up a key");
        }
    }

    @Override
    public void mapUpdate(int mapFd, byte[] key, byte[] value, long flags) {
        try (Call c = new Call()) {
            if (elem(Command.MAP_UPDATE_ELEM, mapFd, key, value, null, flags, c) < 0) {
                throw fail(Command.MAP_UPDATE_ELEM, c.errno, "updating an element");
            }
        }
    }

    @Override
    public boolean mapDelete(int mapFd, byte[] key) {
        try (Call c = new Call()) {
            if (elem(Command.MAP_DELETE_ELEM, mapFd, key, null, null, 0, c) >= 0) {
                return true;
            }
            if (c.errno == Errno.ENOENT) {
                return false;
            }
            throw fail(Command.MAP_DELETE_ELEM, c.errno, "deleting an element");
        }
    }

    @Override
    public boolean mapLookupAndDelete(int mapFd, byte[] key, byte[] value) {
        try (Call c = new Call()) {
            if (elem(Command.MAP_LOOKUP_AND_DELETE_ELEM, mapFd, key, null, value, 0, c) >= 0) {
                return true;
            }
            if (c.errno == Errno.ENOENT) {
                return false;
            }
            throw fail(Command.MAP_LOOKUP_AND_DELETE_ELEM, c.errno, "taking an element");
        }
    }

    @Override
    public boolean mapGetNextKey(int mapFd, byte[] key, byte[] nextKey) {
        try (Call c = new Call()) {
            if (elem(Command.MAP_GET_NEXT_KEY, mapFd, key, null, nextKey, 0, c) >= 0) {
                return true;
            }
            if (c.errno == Errno.ENOENT) {
                return false;
            }
            throw fail(Command.MAP_GET_NEXT_KEY, c.errno, "iterating keys");
        }
    }

    @Override
    public void mapFreeze(int mapFd) {
        try (Call c = new Call()) {
            Layouts.MAP_ELEM.set(c.attr, "map_fd", mapFd);
            if (c.run(Command.MAP_FREEZE, Layouts.MAP_ELEM) < 0) {
                throw fail(Command.MAP_FREEZE, c.errno, "freezing a map");
            }
        }
    }

    @Override
    public BatchResult mapLookupBatch(int mapFd, boolean delete, byte[] inBatch, byte[] outBatch, byte[] keys,
            byte[] values, int count, long elemFlags) {
        Command cmd = delete ? Command.MAP_LOOKUP_AND_DELETE_BATCH : Command.MAP_LOOKUP_BATCH;
        try (Call c = new Call()) {
            Struct s = Layouts.MAP_BATCH;
            MemorySegment out = c.buffer(outBatch.length);
            MemorySegment k = c.buffer(keys.length);
            MemorySegment v = c.buffer(values.length);
            s.set(c.attr, "in_batch", c.bytes(inBatch));
            s.set(c.attr, "out_batch", out);
            s.set(c.attr, "keys", k);
            s.set(c.attr, "values", v);
            s.set(c.attr, "count", count);
            s.set(c.attr, "map_fd", mapFd);
            s.set(c.attr, "elem_flags", elemFlags);
            long r = c.run(cmd, s);
            if (r < 0 && c.errno != Errno.ENOENT) {
                throw fail(cmd, c.errno, "reading a batch");
            }
            int n = s.getInt(c.attr, "count");
            copyOut(out, outBatch);
            copyOut(k, keys);
            copyOut(v, values);
            return new BatchResult(n, r < 0);
        }
    }

    @Override
    public int mapUpdateBatch(int mapFd, byte[] keys, byte[] values, int count, long elemFlags) {
        try (Call c = new Call()) {
            Struct s = Layouts.MAP_BATCH;
            s.set(c.attr, "keys", c.bytes(keys));
            s.set(c.attr, "values", c.bytes(values));
            s.set(c.attr, "count", count);
            s.set(c.attr, "map_fd", mapFd);
            s.set(c.attr, "elem_flags", elemFlags);
            if (c.run(Command.MAP_UPDATE_BATCH, s) < 0) {
                throw fail(Command.MAP_UPDATE_BATCH, c.errno, "writing a batch (" + s.getInt(c.attr, "count")
                        + " of " + count + " written)");
            }
            return s.getInt(c.attr, "count");
        }
    }

    @Override
    public int mapDeleteBatch(int mapFd, byte[] keys, int count, long elemFlags) {
        try (Call c = new Call()) {
            Struct s = Layouts.MAP_BATCH;
            s.set(c.attr, "keys", c.bytes(keys));
            s.set(c.attr, "count", count);
            s.set(c.attr, "map_fd", mapFd);
            s.set(c.attr, "elem_flags", elemFlags);
            if (c.run(Command.MAP_DELETE_BATCH, s) < 0 && c.errno != Errno.ENOENT) {
                throw fail(Command.MAP_DELETE_BATCH, c.errno, "deleting a batch");
            }
            return s.getInt(c.attr, "count");
        }
    }

    @Override
    public LoadResult progLoad(ProgLoad a) {
        try (Call c = new Call()) {
            Struct s = Layouts.PROG_LOAD;
            MemorySegment log = c.buffer(a.logSize());
            s.set(c.attr, "prog_type", a.progType());
            s.set(c.attr, "insn_cnt", a.insns().length / 8);
            s.set(c.attr, "insns", c.bytes(a.insns()));
            s.set(c.attr, "license", c.string(a.license()));
            if (a.logSize() > 0) {
                s.set(c.attr, "log_level", a.logLevel());
                s.set(c.attr, "log_size", a.logSize());
                s.set(c.attr, "log_buf", log);
            }
            s.set(c.attr, "kern_version", a.kernVersion());
            s.set(c.attr, "prog_flags", a.progFlags());
            s.setString(c.attr, "prog_name", a.name());
            s.set(c.attr, "prog_ifindex", a.ifindex());
            s.set(c.attr, "expected_attach_type", a.expectedAttachType());
            s.set(c.attr, "prog_btf_fd", a.btfFd());
            if (a.funcInfo().length > 0) {
                s.set(c.attr, "func_info_rec_size", Layouts.FUNC_INFO.size());
                s.set(c.attr, "func_info", c.bytes(a.funcInfo()));
                s.set(c.attr, "func_info_cnt", a.funcInfo().length / Layouts.FUNC_INFO.size());
            }
            if (a.lineInfo().length > 0) {
                s.set(c.attr, "line_info_rec_size", Layouts.LINE_INFO.size());
                s.set(c.attr, "line_info", c.bytes(a.lineInfo()));
                s.set(c.attr, "line_info_cnt", a.lineInfo().length / Layouts.LINE_INFO.size());
            }
            s.set(c.attr, "attach_btf_id", a.attachBtfId());
            s.set(c.attr, "attach_prog_fd", a.attachProgFd());
            if (a.fdArray().length > 0) {
                MemorySegment fds = c.arena.allocateFrom(ValueLayout.JAVA_INT, a.fdArray());
                s.set(c.attr, "fd_array", fds);
            }
            long r = c.run(Command.PROG_LOAD, s);
            String text = a.logSize() > 0 ? log.getString(0, StandardCharsets.UTF_8) : "";
            return new LoadResult(r < 0 ? -1 : (int) r, c.errno, text);
        }
    }

    @Override
    public LoadResult btfLoad(byte[] btf, int logLevel, int logSize) {
        try (Call c = new Call()) {
            Struct s = Layouts.BTF_LOAD;
            MemorySegment log = c.buffer(logSize);
            s.set(c.attr, "btf", c.bytes(btf));
            s.set(c.attr, "btf_size", btf.length);
            if (logSize > 0) {
                s.set(c.attr, "btf_log_buf", log);
                s.set(c.attr, "btf_log_size", logSize);
                s.set(c.attr, "btf_log_level", logLevel);
            }
            long r = c.run(Command.BTF_LOAD, s);
            String text = logSize > 0 ? log.getString(0, StandardCharsets.UTF_8) : "";
            return new LoadResult(r < 0 ? -1 : (int) r, c.errno, text);
        }
    }

    @Override
    public TestRunResult progTestRun(TestRun a) {
        return progTestRun(a, false);
    }

    @Override
    public TestRunResult progTestRunOnFirstThread(TestRun a) {
        return progTestRun(a, true);
    }

    private TestRunResult progTestRun(TestRun a, boolean firstThread) {
        try (Call c = new Call()) {
            Struct s = Layouts.TEST_RUN;
            MemorySegment dataOut = c.buffer(a.dataSizeOut());
            MemorySegment ctxOut = c.buffer(a.ctxSizeOut());
            s.set(c.attr, "prog_fd", a.progFd());
            if (a.dataIn() != null) {
                s.set(c.attr, "data_size_in", a.dataIn().length);
                s.set(c.attr, "data_in", c.bytes(a.dataIn()));
            }
            s.set(c.attr, "data_size_out", a.dataSizeOut());
            s.set(c.attr, "data_out", dataOut);
            if (a.ctxIn() != null) {
                s.set(c.attr, "ctx_size_in", a.ctxIn().length);
                s.set(c.attr, "ctx_in", c.bytes(a.ctxIn()));
            }
            s.set(c.attr, "ctx_size_out", a.ctxSizeOut());
            s.set(c.attr, "ctx_out", ctxOut);
            s.set(c.attr, "repeat", a.repeat());
            s.set(c.attr, "flags", a.flags());
            s.set(c.attr, "cpu", a.cpu());
            s.set(c.attr, "batch_size", a.batchSize());
            if ((firstThread ? c.runOnFirstThread(Command.PROG_TEST_RUN, s) : c.run(Command.PROG_TEST_RUN, s)) < 0) {
                throw fail(Command.PROG_TEST_RUN, c.errno, "running the program");
            }
            int dataSize = s.getInt(c.attr, "data_size_out");
            int ctxSize = s.getInt(c.attr, "ctx_size_out");
            byte[] d = new byte[Math.min(Math.max(dataSize, 0), a.dataSizeOut())];
            copyOut(dataOut, d);
            byte[] x = new byte[Math.min(Math.max(ctxSize, 0), a.ctxSizeOut())];
            copyOut(ctxOut, x);
            return new TestRunResult(s.getInt(c.attr, "retval"), s.getInt(c.attr, "duration"), d, dataSize, x);
        }
    }

    @Override
    public void objPin(int fd, String path) {
        try (Call c = new Call()) {
            Layouts.OBJ.set(c.attr, "pathname", c.string(path));
            Layouts.OBJ.set(c.attr, "bpf_fd", fd);
            if (c.run(Command.OBJ_PIN, Layouts.OBJ) < 0) {
                throw fail(Command.OBJ_PIN, c.errno, "pinning at " + path);
            }
        }
    }

    @Override
    public int objGet(String path, int fileFlags) {
        try (Call c = new Call()) {
            Layouts.OBJ.set(c.attr, "pathname", c.string(path));
            Layouts.OBJ.set(c.attr, "file_flags", fileFlags);
            long r = c.run(Command.OBJ_GET, Layouts.OBJ);
            if (r < 0) {
                throw fail(Command.OBJ_GET, c.errno, "opening " + path);
            }
            return (int) r;
        }
    }

    @Override
    public int getNextId(Command command, int startId) {
        try (Call c = new Call()) {
            Layouts.GET_ID.set(c.attr, "start_id", startId);
            if (c.run(command, Layouts.GET_ID) < 0) {
                if (c.errno == Errno.ENOENT) {
                    return -1;
                }
                throw fail(command, c.errno, "listing ids");
            }
            return Layouts.GET_ID.getInt(c.attr, "next_id");
        }
    }

    @Override
    public int getFdById(Command command, int id) {
        try (Call c = new Call()) {
            Layouts.GET_ID.set(c.attr, "start_id", id);
            long r = c.run(command, Layouts.GET_ID);
            if (r < 0) {
                throw fail(command, c.errno, "opening id " + id);
            }
            return (int) r;
        }
    }

    @Override
    public int objGetInfo(int fd, byte[] info) {
        return progGetInfo(fd, info, null);
    }

    @Override
    public int progGetInfo(int fd, byte[] info, int[] mapIds) {
        try (Call c = new Call()) {
            MemorySegment buf = c.bytes(info);
            MemorySegment ids = MemorySegment.NULL;
            if (mapIds != null && mapIds.length > 0) {
                ids = c.arena.allocate(ValueLayout.JAVA_INT, mapIds.length);
                Layouts.PROG_INFO.set(buf, "nr_map_ids", mapIds.length);
                Layouts.PROG_INFO.set(buf, "map_ids", ids);
            }
            Layouts.OBJ_INFO.set(c.attr, "bpf_fd", fd);
            Layouts.OBJ_INFO.set(c.attr, "info_len", info.length);
            Layouts.OBJ_INFO.set(c.attr, "info", buf);
            if (c.run(Command.OBJ_GET_INFO_BY_FD, Layouts.OBJ_INFO) < 0) {
                throw fail(Command.OBJ_GET_INFO_BY_FD, c.errno, "reading object info");
            }
            copyOut(buf, info);
            if (ids != MemorySegment.NULL) {
                MemorySegment.copy(ids, ValueLayout.JAVA_INT, 0, mapIds, 0, mapIds.length);
            }
            return Layouts.OBJ_INFO.getInt(c.attr, "info_len");
        }
    }

    @Override
    public int objGetInfo(int fd, byte[] info, long[] pointerOffsets, byte[][] buffers) {
        try (Call c = new Call()) {
            MemorySegment buf = c.bytes(info);
            MemorySegment[] out = new MemorySegment[buffers.length];
            for (int i = 0; i < buffers.length; i++) {
                out[i] = c.buffer(buffers[i].length);
                buf.set(ValueLayout.JAVA_LONG_UNALIGNED, pointerOffsets[i], out[i].address());
            }
            Layouts.OBJ_INFO.set(c.attr, "bpf_fd", fd);
            Layouts.OBJ_INFO.set(c.attr, "info_len", info.length);
            Layouts.OBJ_INFO.set(c.attr, "info", buf);
            if (c.run(Command.OBJ_GET_INFO_BY_FD, Layouts.OBJ_INFO) < 0) {
                throw fail(Command.OBJ_GET_INFO_BY_FD, c.errno, "reading object info");
            }
            copyOut(buf, info);
            for (int i = 0; i < buffers.length; i++) {
                if (buffers[i].length > 0) {
                    MemorySegment.copy(out[i], ValueLayout.JAVA_BYTE, 0, buffers[i], 0, buffers[i].length);
                }
            }
            return Layouts.OBJ_INFO.getInt(c.attr, "info_len");
        }
    }

    @Override
    public int linkCreate(LinkCreate a) {
        try (Call c = new Call()) {
            Struct s = Layouts.LINK_CREATE;
            s.set(c.attr, "prog_fd", a.progFd());
            s.set(c.attr, "target_fd", a.targetFd());
            s.set(c.attr, "attach_type", a.attachType());
            s.set(c.attr, "flags", a.flags());
            s.set(c.attr, "bpf_cookie", a.extra());
            long r = c.run(Command.LINK_CREATE, s);
            if (r < 0) {
                throw fail(Command.LINK_CREATE, c.errno, "attaching a program");
            }
            return (int) r;
        }
    }

    @Override
    public int rawTracepointOpen(String name, int progFd, long cookie) {
        try (Call c = new Call()) {
            Struct s = Layouts.RAW_TRACEPOINT;
            s.set(c.attr, "name", name == null ? MemorySegment.NULL : c.string(name));
            s.set(c.attr, "prog_fd", progFd);
            s.set(c.attr, "cookie", cookie);
            long r = c.run(Command.RAW_TRACEPOINT_OPEN, s);
            if (r < 0) {
                throw fail(Command.RAW_TRACEPOINT_OPEN, c.errno, name == null ? "attaching a tp_btf program"
                        : "attaching to raw tracepoint '" + name + "'");
            }
            return (int) r;
        }
    }

    @Override
    public int linkCreateIter(int progFd, byte[] iterInfo) {
        try (Call c = new Call()) {
            Struct s = Layouts.LINK_CREATE_ITER;
            s.set(c.attr, "prog_fd", progFd);
            s.set(c.attr, "attach_type", org.bpf4j.spec.AttachType.TRACE_ITER.id());
            s.set(c.attr, "iter_info", c.arena.allocateFrom(ValueLayout.JAVA_BYTE, iterInfo));
            s.set(c.attr, "iter_info_len", iterInfo.length);
            long r = c.run(Command.LINK_CREATE, s);
            if (r < 0) {
                throw fail(Command.LINK_CREATE, c.errno, "attaching an iterator");
            }
            return (int) r;
        }
    }

    @Override
    public int iterCreate(int linkFd) {
        try (Call c = new Call()) {
            Layouts.ITER_CREATE.set(c.attr, "link_fd", linkFd);
            long r = c.run(Command.ITER_CREATE, Layouts.ITER_CREATE);
            if (r < 0) {
                throw fail(Command.ITER_CREATE, c.errno, "opening an iterator");
            }
            return (int) r;
        }
    }

    @Override
    public int linkCreateUprobeMulti(int progFd, String path, long[] offsets, long[] refCtrOffsets,
            long[] cookies, int uprobeFlags, int pid) {
        try (Call c = new Call()) {
            Struct s = Layouts.LINK_CREATE_UPROBE_MULTI;
            s.set(c.attr, "prog_fd", progFd);
            s.set(c.attr, "attach_type", org.bpf4j.spec.AttachType.TRACE_UPROBE_MULTI.id());
            s.set(c.attr, "path", c.string(path));
            s.set(c.attr, "offsets", c.arena.allocateFrom(ValueLayout.JAVA_LONG, offsets));
            if (refCtrOffsets != null) {
                s.set(c.attr, "ref_ctr_offsets", c.arena.allocateFrom(ValueLayout.JAVA_LONG, refCtrOffsets));
            }
            if (cookies != null) {
                s.set(c.attr, "cookies", c.arena.allocateFrom(ValueLayout.JAVA_LONG, cookies));
            }
            s.set(c.attr, "cnt", offsets.length);
            s.set(c.attr, "uprobe_flags", uprobeFlags);
            s.set(c.attr, "pid", pid);
            long r = c.run(Command.LINK_CREATE, s);
            if (r < 0) {
                throw fail(Command.LINK_CREATE, c.errno, "attaching " + offsets.length + " uprobe(s) in " + path);
            }
            return (int) r;
        }
    }

    @Override
    public void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment capture = Native.captureSegment(arena);
            if (Native.close(capture, fd) < 0) {
                throw new KernelException("close", Native.errno(capture), "closing fd " + fd);
            }
        }
    }
}
