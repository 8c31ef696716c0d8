package org.bpf4j.vm.map;

import java.util.function.IntPredicate;

/**
 * The eviction state of an LRU hash map, as Linux keeps it ({@code kernel/bpf/bpf_lru_list.c}),
 * so that the VM evicts the same elements the kernel does. Nodes are the map's element slots.
 *
 * <p>With a common LRU (the default), nodes move between a global active list, inactive list and
 * free list, and per-CPU local free and pending lists: a CPU takes free nodes from its local list,
 * refilling it {@code target_free} at a time from the global free list or by shrinking the inactive
 * list (whose tail is the oldest; referenced nodes there move to the active list instead of being
 * evicted), and steals from other CPUs when all else fails. A lookup from a program sets a node's
 * reference bit; rotations move referenced nodes to the active list and unreferenced active nodes
 * to the inactive list. With {@code BPF_F_NO_COMMON_LRU}, each CPU has its own three lists.
 *
 * <p>Lists are intrusive and circular over int indices: nodes {@code 0..n-1}, then the list heads.
 * Not thread-safe: the owning map locks.
 */
final class LruLists {
    static final int ACTIVE = 0, INACTIVE = 1, FREE = 2, LOCAL_FREE = 3, LOCAL_PENDING = 4;
    /** {@code LOCAL_FREE_TARGET}, {@code PERCPU_FREE_TARGET}. */
    static final int LOCAL_FREE_TARGET = 128, PERCPU_FREE_TARGET = 4;

    private final int n;
    private final int cpus;
    private final boolean percpu;
    private final int[] next;
    private final int[] prev;
    private final byte[] type;
    private final boolean[] ref;
    private final int[] cpuOf;
    /** Per list set (one, or one per CPU): counts of the active and inactive lists. */
    private final int[][] counts;
    private final int[] nextInactiveRotation;
    private final int[] nextSteal;
    private final int targetFree;
    private final int nrScans;
    /** Removes a node's element from the hash table if it is there ({@code del_from_htab}). */
    private final IntPredicate delFromHtab;

    LruLists(int nodes, int cpus, boolean percpu, IntPredicate delFromHtab) {
        this.n = nodes;
        this.cpus = cpus;
        this.percpu = percpu;
        this.delFromHtab = delFromHtab;
        int sets = percpu ? cpus : 1;
        int heads = percpu ? 3 * cpus : 3 + 2 * cpus;
        next = new int[n + heads];
        prev = new int[n + heads];
        for (int h = n; h < n + heads; h++) {
            next[h] = h;
            prev[h] = h;
        }
        type = new byte[n];
        ref = new boolean[n];
        cpuOf = new int[n];
        counts = new int[sets][2];
        nextInactiveRotation = new int[sets];
        for (int s = 0; s < sets; s++) {
            nextInactiveRotation[s] = head(s, INACTIVE);
        }
        nextSteal = new int[cpus];
        for (int c = 0; c < cpus; c++) {
            nextSteal[c] = c;
        }
        if (percpu) {
            nrScans = PERCPU_FREE_TARGET;
            targetFree = 0;
            int perCpu = n / cpus;
            int i = 0;
            for (int c = 0; c < cpus && i < n; c++) {
                do {
                    cpuOf[i] = c;
                    type[i] = FREE;
                    add(i, head(c, FREE));
                    i++;
                } while (i < n && i % perCpu != 0);
            }
        } else {
            nrScans = LOCAL_FREE_TARGET;
            for (int i = 0; i < n; i++) {
                type[i] = FREE;
                add(i, head(0, FREE));
            }
            targetFree = Math.clamp((long) (n / cpus) / 2, 1, LOCAL_FREE_TARGET);
        }
    }

    // ---- intrusive lists ----

    private int head(int set, int listType) {
        return n + 3 * set + listType;
    }

    private int localFree(int cpu) {
        return n + 3 + 2 * cpu;
    }

    private int localPending(int cpu) {
        return n + 4 + 2 * cpu;
    }

    private void del(int x) {
        next[prev[x]] = next[x];
        prev[next[x]] = prev[x];
    }

    private void add(int x, int h) {
        int first = next[h];
        next[x] = first;
        prev[x] = h;
        prev[first] = x;
        next[h] = x;
    }

    private void moveTo(int x, int h) {
        del(x);
        add(x, h);
    }

    private boolean empty(int h) {
        return next[h] == h;
    }

    // ---- node moves, as the kernel's __bpf_lru_node_move* ----

    private void countInc(int set, int t) {
        if (t < 2) {
            counts[set][t]++;
        }
    }

    private void countDec(int set, int t) {
        if (t < 2) {
            counts[set][t]--;
        }
    }

    private void moveToFree(int set, int node, int freeHead, int freeType) {
        if (node == nextInactiveRotation[set]) {
            nextInactiveRotation[set] = prev[nextInactiveRotation[set]];
        }
        countDec(set, type[node]);
        type[node] = (byte) freeType;
        moveTo(node, freeHead);
    }

    private void moveIn(int set, int node, int target) {
        countInc(set, target);
        type[node] = (byte) target;
        ref[node] = false;
        moveTo(node, head(set, target));
    }

    private void move(int set, int node, int target) {
        if (type[node] != target) {
            countDec(set, type[node]);
            countInc(set, target);
            type[node] = (byte) target;
        }
        ref[node] = false;
        if (node == nextInactiveRotation[set]) {
            nextInactiveRotation[set] = prev[nextInactiveRotation[set]];
        }
        moveTo(node, head(set, target));
    }

    private void rotateActive(int set) {
        int active = head(set, ACTIVE);
        int first = next[active];
        int i = 0;
        for (int node = prev[active], tmp = prev[node]; node != active; node = tmp, tmp = prev[node]) {
            move(set, node, ref[node] ? ACTIVE : INACTIVE);
            if (++i == nrScans || node == first) {
                break;
            }
        }
    }

    private void rotateInactive(int set) {
        int inactive = head(set, INACTIVE);
        if (empty(inactive)) {
            return;
        }
        int last = next[nextInactiveRotation[set]];
        if (last == inactive) {
            last = next[last];
        }
        int cur = nextInactiveRotation[set];
        int nxt = inactive;
        int i = 0;
        while (i < nrScans) {
            if (cur == inactive) {
                cur = prev[cur];
                continue;
            }
            nxt = prev[cur];
            if (ref[cur]) {
                move(set, cur, ACTIVE);
            }
            if (cur == last) {
                break;
            }
            cur = nxt;
            i++;
        }
        nextInactiveRotation[set] = nxt;
    }

    private void rotate(int set) {
        if (counts[set][INACTIVE] < counts[set][ACTIVE]) {
            rotateActive(set);
        }
        rotateInactive(set);
    }

    private int shrinkInactive(int set, int target, int freeHead, int freeType) {
        int inactive = head(set, INACTIVE);
        int shrunk = 0;
        int i = 0;
        for (int node = prev[inactive], tmp = prev[node]; node != inactive; node = tmp, tmp = prev[node]) {
            if (ref[node]) {
                move(set, node, ACTIVE);
            } else if (delFromHtab.test(node)) {
                moveToFree(set, node, freeHead, freeType);
                if (++shrunk == target) {
                    break;
                }
            }
            if (++i == nrScans) {
                break;
            }
        }
        return shrunk;
    }

    private int shrink(int set, int target, int freeHead, int freeType) {
        int shrunk = shrinkInactive(set, target, freeHead, freeType);
        if (shrunk > 0) {
            return shrunk;
        }
        int force = empty(head(set, INACTIVE)) ? head(set, ACTIVE) : head(set, INACTIVE);
        for (int node = prev[force], tmp = prev[node]; node != force; node = tmp, tmp = prev[node]) {
            if (delFromHtab.test(node)) {
                moveToFree(set, node, freeHead, freeType);
                return 1;
            }
        }
        return 0;
    }

    // ---- common LRU ----

    private void flushLocal(int cpu) {
        int pending = localPending(cpu);
        for (int node = prev[pending], tmp = prev[node]; node != pending; node = tmp, tmp = prev[node]) {
            moveIn(0, node, ref[node] ? ACTIVE : INACTIVE);
        }
    }

    private void popFreeToLocal(int cpu) {
        flushLocal(cpu);
        rotate(0);
        int free = head(0, FREE);
        int taken = 0;
        for (int node = next[free], tmp = next[node]; node != free; node = tmp, tmp = next[node]) {
            moveToFree(0, node, localFree(cpu), LOCAL_FREE);
            if (++taken == targetFree) {
                break;
            }
        }
        if (taken < targetFree) {
            shrink(0, targetFree - taken, localFree(cpu), LOCAL_FREE);
        }
    }

    private void addPending(int cpu, int node) {
        cpuOf[node] = cpu;
        type[node] = LOCAL_PENDING;
        ref[node] = false;
        add(node, localPending(cpu));
    }

    private int popLocalFree(int cpu) {
        int h = localFree(cpu);
        if (empty(h)) {
            return -1;
        }
        int node = next[h];
        del(node);
        return node;
    }

    private int popPending(int cpu) {
        int pending = localPending(cpu);
        for (boolean force : new boolean[] {false, true}) {
            for (int node = prev[pending]; node != pending; node = prev[node]) {
                if ((!ref[node] || force) && delFromHtab.test(node)) {
                    del(node);
                    return node;
                }
            }
        }
        return -1;
    }

    private int commonPopFree(int cpu) {
        int node = popLocalFree(cpu);
        if (node < 0) {
            popFreeToLocal(cpu);
            node = popLocalFree(cpu);
        }
        if (node >= 0) {
            addPending(cpu, node);
            return node;
        }
        int first = nextSteal[cpu];
        int steal = first;
        do {
            node = popLocalFree(steal);
            if (node < 0) {
                node = popPending(steal);
            }
            steal = (steal + 1) % cpus;
        } while (node < 0 && steal != first);
        nextSteal[cpu] = steal;
        if (node >= 0) {
            addPending(cpu, node);
        }
        return node;
    }

    // ---- per-CPU LRU ----

    private int percpuPopFree(int cpu) {
        rotate(cpu);
        int free = head(cpu, FREE);
        if (empty(free)) {
            shrink(cpu, PERCPU_FREE_TARGET, free, FREE);
        }
        if (empty(free)) {
            return -1;
        }
        int node = next[free];
        ref[node] = false;
        move(cpu, node, INACTIVE);
        return node;
    }

    // ---- the map's side ----

    /** A free node for a new element on {@code cpu}, evicting if needed ({@code bpf_lru_pop_free}); -1 if none. */
    int popFree(int cpu) {
        return percpu ? percpuPopFree(cpu) : commonPopFree(cpu);
    }

    /** Returns a node whose element is gone ({@code bpf_lru_push_free}). */
    void pushFree(int node) {
        if (percpu) {
            move(cpuOf[node], node, FREE);
        } else if (type[node] == LOCAL_PENDING) {
            type[node] = LOCAL_FREE;
            ref[node] = false;
            moveTo(node, localFree(cpuOf[node]));
        } else {
            move(0, node, FREE);
        }
    }

    /** Marks a node referenced, as a program's lookup does ({@code bpf_lru_node_set_ref}). */
    void setRef(int node) {
        ref[node] = true;
    }
}
