package org.bpf4j.linux;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.bpf4j.linux.sys.Bpf;

/**
 * A {@link Bpf} that records what the loader asks for and answers from scripts, so that loader
 * logic runs without a kernel. Descriptors are numbers from 100 on; {@link #open()} lists the
 * ones not closed.
 */
final class FakeBpf implements Bpf {
    final List<MapCreate> maps = new ArrayList<>();
    final List<String> updates = new ArrayList<>();
    final List<Integer> frozen = new ArrayList<>();
    final List<ProgLoad> loads = new ArrayList<>();
    final List<Integer> btfLoads = new ArrayList<>();
    private final Set<Integer> open = new HashSet<>();
    private int next = 100;
    Function<ProgLoad, LoadResult> programs = a -> null;

    private int fd() {
        int fd = next++;
        open.add(fd);
        return fd;
    }

    Set<Integer> open() {
        return open;
    }

    @Override
    public int mapCreate(MapCreate attr) {
        maps.add(attr);
        return fd();
    }

    @Override
    public boolean mapLookup(int mapFd, byte[] key, byte[] value, long flags) {
        return false;
    }

    @Override
    public void mapUpdate(int mapFd, byte[] key, byte[] value, long flags) {
        updates.add(mapFd + ":" + java.util.HexFormat.of().formatHex(key) + "=" + value.length + "B");
    }

    @Override
    public boolean mapDelete(int mapFd, byte[] key) {
        return false;
    }

    @Override
    public boolean mapLookupAndDelete(int mapFd, byte[] key, byte[] value) {
        return false;
    }

    @Override
    public boolean mapGetNextKey(int mapFd, byte[] key, byte[] nextKey) {
        return false;
    }

    @Override
    public void mapFreeze(int mapFd) {
        frozen.add(mapFd);
    }

    @Override
    public BatchResult mapLookupBatch(int mapFd, boolean delete, byte[] inBatch, byte[] outBatch, byte[] keys,
            byte[] values, int count, long elemFlags) {
        return new BatchResult(0, true);
    }

    @Override
    public int mapUpdateBatch(int mapFd, byte[] keys, byte[] values, int count, long elemFlags) {
        return count;
    }

    @Override
    public int mapDeleteBatch(int mapFd, byte[] keys, int count, long elemFlags) {
        return count;
    }

    @Override
    public LoadResult progLoad(ProgLoad attr) {
        loads.add(attr);
        LoadResult r = programs.apply(attr);
        return r != null ? r : new LoadResult(fd(), 0, "");
    }

    @Override
    public LoadResult btfLoad(byte[] btf, int logLevel, int logSize) {
        btfLoads.add(btf.length);
        return new LoadResult(fd(), 0, "");
    }

    @Override
    public TestRunResult progTestRun(TestRun attr) {
        return new TestRunResult(0, 0, new byte[0], 0, new byte[0]);
    }

    @Override
    public void objPin(int fd, String path) {
    }

    @Override
    public int objGet(String path, int fileFlags) {
        return fd();
    }

    @Override
    public int getNextId(Command command, int startId) {
        return -1;
    }

    @Override
    public int getFdById(Command command, int id) {
        return fd();
    }

    @Override
    public int objGetInfo(int fd, byte[] info) {
        return info.length;
    }

    @Override
    public int progGetInfo(int fd, byte[] info, int[] mapIds) {
        return info.length;
    }

    @Override
    public int linkCreate(LinkCreate attr) {
        return fd();
    }

    @Override
    public void close(int fd) {
        if (!open.remove(fd)) {
            throw new AssertionError("fd " + fd + " closed twice or never opened");
        }
    }
}
