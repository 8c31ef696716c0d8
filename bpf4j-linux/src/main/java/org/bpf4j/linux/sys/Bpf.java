package org.bpf4j.linux.sys;

import java.util.Objects;

/**
 * The bpf() system call, one typed method per command bpf4j uses: the seam between the loader
 * logic and the kernel. {@link NativeBpf} makes the real calls; tests give the loader a fake.
 *
 * <p>File descriptors are plain {@code int}s here; {@link Fd} owns them above this layer.
 * Failures throw {@link org.bpf4j.linux.KernelException} with the command and errno, except
 * where a method documents an expected errno as a result (a missing key, the end of an
 * iteration, a load whose log the caller wants). Implementations are thread-safe.
 */
public interface Bpf {

    /** {@code BPF_MAP_CREATE}: a new map; returns its fd. */
    int mapCreate(MapCreate attr);

    /** {@code BPF_MAP_LOOKUP_ELEM}: copies the value of {@code key} into {@code value}; false if there is none (ENOENT). */
    boolean mapLookup(int mapFd, byte[] key, byte[] value, long flags);

    /** {@code BPF_MAP_UPDATE_ELEM} with {@code BPF_ANY}, {@code BPF_NOEXIST}, {@code BPF_EXIST} or {@code BPF_F_LOCK}. */
    void mapUpdate(int mapFd, byte[] key, byte[] value, long flags);

    /** {@code BPF_MAP_DELETE_ELEM}; false if there was no such key (ENOENT). */
    boolean mapDelete(int mapFd, byte[] key);

    /** {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM} (queues, stacks and hashes); false if empty or absent (ENOENT). */
    boolean mapLookupAndDelete(int mapFd, byte[] key, byte[] value);

    /** {@code BPF_MAP_GET_NEXT_KEY}: the key after {@code key} (the first for null); false at the end (ENOENT). */
    boolean mapGetNextKey(int mapFd, byte[] key, byte[] nextKey);

    /** {@code BPF_MAP_FREEZE}: no more writes from user space. */
    void mapFreeze(int mapFd);

    /**
     * {@code BPF_MAP_LOOKUP_BATCH} or {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH}.
     *
     * @param delete whether the elements read are deleted
     * @param inBatch the position to continue from (null to start), as the last call's {@code outBatch}
     * @param outBatch receives the position to continue from (the map's key size, or 4 for arrays)
     * @param keys receives up to {@code count} keys
     * @param values receives up to {@code count} values
     * @return how many elements were read and whether the map is exhausted (ENOENT)
     */
    BatchResult mapLookupBatch(int mapFd, boolean delete, byte[] inBatch, byte[] outBatch, byte[] keys,
            byte[] values, int count, long elemFlags);

    /** {@code BPF_MAP_UPDATE_BATCH}: writes {@code count} elements; returns how many were written. */
    int mapUpdateBatch(int mapFd, byte[] keys, byte[] values, int count, long elemFlags);

    /** {@code BPF_MAP_DELETE_BATCH}: deletes {@code count} keys; returns how many were deleted. */
    int mapDeleteBatch(int mapFd, byte[] keys, int count, long elemFlags);

    /**
     * {@code BPF_PROG_LOAD}. A refusal is a result, not an exception, so that the caller can read
     * the verifier's log and retry with a bigger buffer.
     */
    LoadResult progLoad(ProgLoad attr);

    /** {@code BPF_BTF_LOAD}; a refusal is a result with the log, as for {@link #progLoad}. */
    LoadResult btfLoad(byte[] btf, int logLevel, int logSize);

    /** {@code BPF_PROG_TEST_RUN}. */
    TestRunResult progTestRun(TestRun attr);

    /**
     * {@code BPF_PROG_TEST_RUN} made by the process's first thread (its thread id is the process
     * id) when it can be ({@link FirstThread}), as a native tracer runs BEGIN from its main thread:
     * then the program's {@code bpf_get_current_pid_tgid} gives the process id twice. Elsewhere
     * (and by default) the same as {@link #progTestRun}.
     */
    default TestRunResult progTestRunOnFirstThread(TestRun attr) {
        return progTestRun(attr);
    }

    /** {@code BPF_OBJ_PIN}: pins a map, program, link or BTF at a path in a bpf file system. */
    void objPin(int fd, String path);

    /** {@code BPF_OBJ_GET}: opens a pinned object; returns its fd. */
    int objGet(String path, int fileFlags);

    /** {@code BPF_PROG_GET_NEXT_ID}, {@code BPF_MAP_GET_NEXT_ID}, ...: the next id after {@code startId}, or -1 at the end. */
    int getNextId(Command command, int startId);

    /** {@code BPF_PROG_GET_FD_BY_ID}, {@code BPF_MAP_GET_FD_BY_ID}, ...: an fd for an id. */
    int getFdById(Command command, int id);

    /** {@code BPF_OBJ_GET_INFO_BY_FD}: fills {@code info} (a {@code bpf_prog_info}, ...); returns the length the kernel wrote. */
    int objGetInfo(int fd, byte[] info);

    /** {@code BPF_OBJ_GET_INFO_BY_FD} for a program whose info points at arrays (map ids); fills them too. */
    int progGetInfo(int fd, byte[] info, int[] mapIds);

    /** {@code BPF_LINK_CREATE}: attaches a program; returns the link's fd. */
    int linkCreate(LinkCreate attr);

    /**
     * {@code BPF_OBJ_GET_INFO_BY_FD} for info that points at out-arrays (a program's translated
     * or JIT-compiled instructions, a BTF object's data and name): before the call, the address of
     * a buffer of {@code buffers[i].length} bytes is written at byte {@code pointerOffsets[i]} of
     * {@code info} (the caller sets the matching lengths in {@code info}); after it, {@code info}
     * and the buffers are copied back. Returns the length the kernel wrote. The default
     * implementation refuses: a layer without it (a unit test's fake).
     */
    default int objGetInfo(int fd, byte[] info, long[] pointerOffsets, byte[][] buffers) {
        throw new UnsupportedOperationException(getClass().getSimpleName()
                + " does not implement bpf(BPF_OBJ_GET_INFO_BY_FD) with out-arrays");
    }

    /** Closes a file descriptor this layer returned. */
    void close(int fd);

    /**
     * {@code BPF_RAW_TRACEPOINT_OPEN}: attaches a raw tracepoint program to the tracepoint
     * {@code name} (or a {@code tp_btf} program, with a null name); returns the link's fd. The
     * default implementation refuses: a layer without attachment support (a unit test's fake).
     */
    default int rawTracepointOpen(String name, int progFd, long cookie) {
        throw new org.bpf4j.UnsupportedFeatureException(getClass().getSimpleName()
                + " does not implement bpf(BPF_RAW_TRACEPOINT_OPEN)");
    }

        /**
     * {@code BPF_LINK_CREATE} of an iterator program ({@code BPF_TRACE_ITER}) with link information
     * ({@code union bpf_iter_link_info}: a map fd, a cgroup, or a task's tid/pid), returning the link's fd.
     */
    default int linkCreateIter(int progFd, byte[] iterInfo) {
        throw new org.bpf4j.UnsupportedFeatureException(getClass().getSimpleName()
                + " does not implement bpf(BPF_LINK_CREATE) for iterators with link info");
    }

/**
     * {@code BPF_ITER_CREATE}: a readable descriptor that runs an iterator link's program as it
     * is read; the caller owns it. The default implementation refuses, as for {@link #rawTracepointOpen}.
     */
    default int iterCreate(int linkFd) {
        throw new org.bpf4j.UnsupportedFeatureException(getClass().getSimpleName()
                + " does not implement bpf(BPF_ITER_CREATE)");
    }

    /**
     * {@code BPF_LINK_CREATE} with {@code BPF_TRACE_UPROBE_MULTI}: one link for uprobes at
     * {@code offsets} in the file at {@code path}; returns the link's fd. The default
     * implementation refuses, as for {@link #rawTracepointOpen}.
     *
     * @param refCtrOffsets semaphore file offsets per probe (all zero for none), or null
     * @param cookies a cookie per probe, or null
     * @param uprobeFlags {@code BPF_F_UPROBE_MULTI_RETURN} for return probes, else 0
     * @param pid the process to probe, or 0 for every process that maps the file
     */
    default int linkCreateUprobeMulti(int progFd, String path, long[] offsets, long[] refCtrOffsets,
            long[] cookies, int uprobeFlags, int pid) {
        throw new org.bpf4j.UnsupportedFeatureException(getClass().getSimpleName()
                + " does not implement bpf(BPF_LINK_CREATE) for uprobe_multi");
    }

    /** The commands of bpf() ({@code enum bpf_cmd}) that bpf4j uses. */
    enum Command {
        /** {@code BPF_MAP_CREATE} = 0. */
        MAP_CREATE(0),
        /** {@code BPF_MAP_LOOKUP_ELEM} = 1. */
        MAP_LOOKUP_ELEM(1),
        /** {@code BPF_MAP_UPDATE_ELEM} = 2. */
        MAP_UPDATE_ELEM(2),
        /** {@code BPF_MAP_DELETE_ELEM} = 3. */
        MAP_DELETE_ELEM(3),
        /** {@code BPF_MAP_GET_NEXT_KEY} = 4. */
        MAP_GET_NEXT_KEY(4),
        /** {@code BPF_PROG_LOAD} = 5. */
        PROG_LOAD(5),
        /** {@code BPF_OBJ_PIN} = 6. */
        OBJ_PIN(6),
        /** {@code BPF_OBJ_GET} = 7. */
        OBJ_GET(7),
        /** {@code BPF_PROG_TEST_RUN} = 10. */
        PROG_TEST_RUN(10),
        /** {@code BPF_PROG_GET_NEXT_ID} = 11. */
        PROG_GET_NEXT_ID(11),
        /** {@code BPF_MAP_GET_NEXT_ID} = 12. */
        MAP_GET_NEXT_ID(12),
        /** {@code BPF_PROG_GET_FD_BY_ID} = 13. */
        PROG_GET_FD_BY_ID(13),
        /** {@code BPF_MAP_GET_FD_BY_ID} = 14. */
        MAP_GET_FD_BY_ID(14),
        /** {@code BPF_OBJ_GET_INFO_BY_FD} = 15. */
        OBJ_GET_INFO_BY_FD(15),
        /** {@code BPF_RAW_TRACEPOINT_OPEN} = 17. */
        RAW_TRACEPOINT_OPEN(17),
        /** {@code BPF_BTF_LOAD} = 18. */
        BTF_LOAD(18),
        /** {@code BPF_BTF_GET_FD_BY_ID} = 19. */
        BTF_GET_FD_BY_ID(19),
        /** {@code BPF_MAP_LOOKUP_AND_DELETE_ELEM} = 21. */
        MAP_LOOKUP_AND_DELETE_ELEM(21),
        /** {@code BPF_MAP_FREEZE} = 22. */
        MAP_FREEZE(22),
        /** {@code BPF_BTF_GET_NEXT_ID} = 23. */
        BTF_GET_NEXT_ID(23),
        /** {@code BPF_MAP_LOOKUP_BATCH} = 24. */
        MAP_LOOKUP_BATCH(24),
        /** {@code BPF_MAP_LOOKUP_AND_DELETE_BATCH} = 25. */
        MAP_LOOKUP_AND_DELETE_BATCH(25),
        /** {@code BPF_MAP_UPDATE_BATCH} = 26. */
        MAP_UPDATE_BATCH(26),
        /** {@code BPF_MAP_DELETE_BATCH} = 27. */
        MAP_DELETE_BATCH(27),
        /** {@code BPF_LINK_CREATE} = 28. */
        LINK_CREATE(28),
        /** {@code BPF_ITER_CREATE} = 33. */
        ITER_CREATE(33),
        /** {@code BPF_LINK_GET_FD_BY_ID} = 30. */
        LINK_GET_FD_BY_ID(30),
        /** {@code BPF_LINK_GET_NEXT_ID} = 31. */
        LINK_GET_NEXT_ID(31);

        private final int number;

        Command(int number) {
            this.number = number;
        }

        /** The command's number. */
        public int number() {
            return number;
        }

        /** {@code bpf(BPF_NAME)}, as messages name the call. */
        public String callName() {
            return "bpf(BPF_" + name() + ")";
        }
    }

    /**
     * The attributes of {@code BPF_MAP_CREATE}.
     *
     * @param name the map's name; bpf4j keeps the kernel's rule (at most 15 of {@code [A-Za-z0-9_.]})
     * @param btfFd the BTF holding the key and value types, 0 for none
     */
    record MapCreate(int mapType, int keySize, int valueSize, int maxEntries, int flags, int innerMapFd,
            int numaNode, String name, int ifindex, int btfFd, int btfKeyTypeId, int btfValueTypeId,
            int btfVmlinuxValueTypeId, long mapExtra) {
        /** Checks the name. */
        public MapCreate {
            Objects.requireNonNull(name, "name");
        }

        /** The same attributes without BTF type information. */
        public MapCreate withoutBtf() {
            return new MapCreate(mapType, keySize, valueSize, maxEntries, flags, innerMapFd, numaNode, name, ifindex,
                    0, 0, 0, 0, mapExtra);
        }
    }

    /**
     * The attributes of {@code BPF_PROG_LOAD}.
     *
     * @param insns the instructions, 8 bytes each, little-endian
     * @param logLevel 0 (no log unless the load fails with a buffer), 1, 2 or with 4 (stats)
     * @param logSize the size of the log buffer to give the kernel, 0 for none
     * @param funcInfo {@code bpf_func_info} records (8 bytes each), empty for none
     * @param lineInfo {@code bpf_line_info} records (16 bytes each), empty for none
     * @param fdArray the {@code fd_array}, empty for none
     */
    record ProgLoad(int progType, byte[] insns, String license, int logLevel, int logSize, int kernVersion,
            int progFlags, String name, int ifindex, int expectedAttachType, int btfFd, byte[] funcInfo,
            byte[] lineInfo, int attachBtfId, int attachProgFd, int[] fdArray) {
        /** Checks the arrays. */
        public ProgLoad {
            Objects.requireNonNull(insns, "insns");
            Objects.requireNonNull(license, "license");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(funcInfo, "funcInfo");
            Objects.requireNonNull(lineInfo, "lineInfo");
            Objects.requireNonNull(fdArray, "fdArray");
        }

        /** The same load with another log level and buffer size. */
        public ProgLoad withLog(int level, int size) {
            return new ProgLoad(progType, insns, license, level, size, kernVersion, progFlags, name, ifindex,
                    expectedAttachType, btfFd, funcInfo, lineInfo, attachBtfId, attachProgFd, fdArray);
        }

        /** The same load without BTF, function and line info. */
        public ProgLoad withoutBtf() {
            return new ProgLoad(progType, insns, license, logLevel, logSize, kernVersion, progFlags, name, ifindex,
                    expectedAttachType, 0, new byte[0], new byte[0], attachBtfId, attachProgFd, fdArray);
        }
    }

    /**
     * The outcome of a load: an fd, or an errno with the kernel's log.
     *
     * @param fd the new fd, or -1 if the kernel refused
     * @param errno 0 on success
     * @param log the log the kernel wrote (empty when none was asked for)
     */
    record LoadResult(int fd, int errno, String log) {
        /** Checks the log. */
        public LoadResult {
            Objects.requireNonNull(log, "log");
        }

        /** Whether the load succeeded. */
        public boolean ok() {
            return fd >= 0;
        }
    }

    /**
     * The attributes of {@code BPF_PROG_TEST_RUN}.
     *
     * @param dataIn the packet or input (null for none)
     * @param dataSizeOut the size of the output buffer for the packet, 0 for none
     * @param ctxIn the context to pass (null for none)
     * @param ctxSizeOut the size of the output buffer for the context, 0 for none
     * @param repeat how many times to run (0 is 1)
     */
    record TestRun(int progFd, byte[] dataIn, int dataSizeOut, byte[] ctxIn, int ctxSizeOut, int repeat, int flags,
            int cpu, int batchSize) {
    }

    /**
     * What {@code BPF_PROG_TEST_RUN} returned.
     *
     * @param retval the program's return value (the low 32 bits of r0)
     * @param durationNanos the mean run time in nanoseconds
     * @param dataOut the packet after the run (as long as the kernel said, up to the buffer)
     * @param dataSizeOut the size the kernel reported for the packet, which may exceed the buffer
     * @param ctxOut the context after the run
     */
    record TestRunResult(int retval, int durationNanos, byte[] dataOut, int dataSizeOut, byte[] ctxOut) {
    }

    /**
     * What a batch lookup returned.
     *
     * @param count the number of elements read
     * @param done whether the map has no more elements
     */
    record BatchResult(int count, boolean done) {
    }

    /**
     * The attributes of {@code BPF_LINK_CREATE}: the common head and the first word of the
     * attach-type union (a {@code target_btf_id}, or a {@code perf_event} cookie).
     */
    record LinkCreate(int progFd, int targetFd, int attachType, int flags, long extra) {
    }
}
