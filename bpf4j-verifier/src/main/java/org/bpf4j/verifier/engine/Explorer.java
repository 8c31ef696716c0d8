package org.bpf4j.verifier.engine;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.GlobalFunction;
import org.bpf4j.verifier.MapInfo;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.verifier.VerifierOptions;
import org.bpf4j.verifier.cfg.CfgException;
import org.bpf4j.verifier.cfg.ControlFlow;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.StackState;
import org.bpf4j.verifier.domain.StateCompare;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * The exploration engine: depth-first over all paths of the program with a stack of pending
 * branch states, pruning a path when a completely explored state at the same instruction covers
 * it ({@link StateCompare}), detecting loops that return to an identical state, and counting
 * processed instructions against the limit (the kernel's {@code do_check} and
 * {@code is_state_visited}). One instance per verification; not thread-safe.
 */
public final class Explorer {
    private static final int HELPER_FOR_EACH_MAP_ELEM = 164;
    private static final int HELPER_FIND_VMA = 180;
    private static final int HELPER_LOOP = 181;
    private static final int HELPER_USER_RINGBUF_DRAIN = 209;
    /** The kernel's {@code MAX_CALL_FRAMES}. */
    static final int MAX_CALL_FRAMES = 8;
    /**
     * Entries of Linux's jump history after which a state is stored whatever the heuristics say
     * (its {@code jmp_history_cnt > 40}); see {@link Path#kernelHistory}.
     */
    private static final int FORCE_CHECKPOINT_HISTORY = 40;
    private static final int MAX_PATH = 1000;

    private final VerifierInput input;
    private final VerifierOptions options;
    private final HelperCatalog catalog = HelperCatalog.linux();
    private final Code code;
    private final List<MapInfo> maps = new ArrayList<>();
    private final int[] innerOf;
    private final Map<Integer, Integer> refSlots = new HashMap<>();
    private final MemoryAccess memory = new MemoryAccess(this);
    private final Calls calls = new Calls(this);
    private final Kfuncs kfuncs = new Kfuncs(this);
    private final KernelObjects kernelObjects = new KernelObjects(this);
    private final Map<Integer, GlobalFunction> globals = new HashMap<>();
    private final StringBuilder log = new StringBuilder();
    /** Sets of linked scalars refined together beyond one frame's registers, by history entries (see Precision). */
    private final List<long[]> linkSets = new ArrayList<>();
    /** Paths pushed while executing the current instruction (their log position is set after it). */
    private final List<Path> pushed = new ArrayList<>();
    private final FactsCollector facts;
    private ControlFlow cfg;
    private boolean[] prunePoint;
    /** Linux's jump points ({@code mark_jmp_point}): branch and call targets, the instruction after a call. */
    private boolean[] jmpPoint;
    /**
     * Per load or store instruction, the kind of pointer the first path that reached it accessed
     * memory through (0: none yet; see {@link #accessKind}): Linux rewrites context and socket
     * accesses per instruction, so one instruction may not access both such a pointer and another
     * kind (its {@code insn_aux_data[].ptr_type}).
     */
    private AccessKinds accessKinds;
    private boolean[] callbackSite;
    private boolean[] iterNextSite;
    /** Slots of {@code may_goto} instructions, where their loops converge as iterators' do. */
    private boolean[] mayGotoSite;
    /** The slot where {@link #pendingFork} starts, or -1 for the next instruction. */
    private int pendingForkSlot = -1;
    /** Whether the program calls a kernel function (only those create iterators). */
    private boolean callsKfuncs;
    private Optional<AttachType> attach;
    /** The second outcome of the current instruction (an iterator's next element), explored from the next slot. */
    private VerifierState pendingFork;
    private List<List<Checkpoint>> visited;
    private Functions functions;
    private SpecialLoads loads;
    private int processed;
    private int stored;
    private int peak;
    private int maxPerInsn;
    private int totalStates;
    private int jmps;
    private int prevJmps;
    private int prevInsns;

    /** A branch source and target on the way to the current instruction. */
    private record Trail(int from, int to, Trail prev) {
    }

    /** A path being explored. */
    private static final class Path {
        int slot;
        VerifierState st;
        Checkpoint parent;
        Trail trail;
        long[] hist;
        int histLen;
        /** Stack slots per frame overwritten entirely since the last checkpoint. */
        long[] written = new long[MAX_CALL_FRAMES];
        /** Where the log was when the path was pushed (a level 1 log keeps only the current path). */
        int logPos;
        /**
         * The entries Linux's jump history would hold since the last stored state: one per
         * instruction processed at a jump point, spilling or filling a register, or comparing
         * linked scalars with both branches possible. Only its length matters here (bpf4j's own
         * history records every instruction): beyond 40, Linux stores a state at the next prune point.
         */
        int kernelHistory;

        Path(int slot, VerifierState st, Checkpoint parent, Trail trail, long[] hist, int histLen) {
            this.slot = slot;
            this.st = st;
            this.parent = parent;
            this.trail = trail;
            this.hist = hist;
            this.histLen = histLen;
        }

        void record(long e) {
            if (histLen == hist.length) {
                hist = Arrays.copyOf(hist, Math.max(16, hist.length * 2));
            }
            hist[histLen++] = e;
        }
    }

    /** Prepares to verify {@code input}. */
    public Explorer(VerifierInput input, VerifierOptions options) {
        this.input = input;
        this.options = options;
        this.code = input.code();
        this.facts = new FactsCollector(code.slotCount());
        maps.addAll(input.maps());
        innerOf = new int[maps.size()];
        for (int i = 0; i < innerOf.length; i++) {
            innerOf[i] = -1;
            if (maps.get(i).inner().isPresent()) {
                innerOf[i] = maps.size();
                maps.add(maps.get(i).inner().get());
            }
        }
    }

    HelperCatalog catalog() {
        return catalog;
    }

    VerifierInput input() {
        return input;
    }

    ProgramType type() {
        return input.type();
    }

    /** The attach type the program's section implies (resolved once: every context access asks). */
    Optional<AttachType> attach() {
        if (attach == null) {
            attach = ContextAccess.attachOf(input.attachTo());
        }
        return attach;
    }

    MemoryAccess memory() {
        return memory;
    }

    FactsCollector facts() {
        return facts;
    }

    KernelObjects kernelObjects() {
        return kernelObjects;
    }

    Map<Integer, Integer> refSlots() {
        return refSlots;
    }

    ControlFlow cfg() {
        return cfg;
    }

    MapInfo map(int index) {
        return maps.get(index);
    }

    int innerIndex(int index) {
        return index < innerOf.length ? innerOf[index] : -1;
    }

    /** Verifies the program. */
    public VerificationResult run() {
        int notGpl = Kfuncs.nonGplCall(input);
        if (notGpl >= 0) {
            log(Kfuncs.NOT_GPL);
            return new VerificationResult.Rejected(notGpl, Kfuncs.NOT_GPL, "", List.of(), 0, 0, log.toString());
        }
        try {
            // a helper reads the arguments of the prototype its call is checked against (an
            // unknown helper is refused at its call; 5 keeps the liveness conservative meanwhile)
            cfg = ControlFlow.of(code, id -> catalog.byId(id).flatMap(h -> catalog.prototype(type(), h))
                    .map(h -> h.args().size()).orElse(5));
        } catch (CfgException e) {
            log(e.getMessage());
            return new VerificationResult.Rejected(e.slot(), e.getMessage(), "", List.of(), 0, 0, log.toString());
        }
        if (options.logLevel() >= 2) {
            log.append(KernelLog.header(cfg, catalog));
        }
        int n = code.slotCount();
        PrunePoints points = PrunePoints.of(code, catalog, kfuncs);
        prunePoint = points.prune();
        jmpPoint = points.jump();
        accessKinds = new AccessKinds(n);
        callbackSite = points.callback();
        iterNextSite = points.iterNext();
        mayGotoSite = points.mayGoto();
        callsKfuncs = points.callsKfuncs();
        visited = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            visited.add(null);
        }
        functions = new Functions(this, code, cfg.subprogCount());
        loads = new SpecialLoads(this, code);
        for (GlobalFunction g : input.globals()) {
            if (g.slot() != 0 && cfg.subprogAt(g.slot()) >= 0) {
                globals.put(g.slot(), g);
            }
        }
        FrameState entry = new FrameState(-1, 0, 0);
        if (input.entryMemory() < 0) {
            entry.regs[1] = RegState.Pointer.of(PtrType.CTX);
        } else if (input.entryMemory() == 0) {
            entry.regs[1] = RegState.constant(0);
            entry.regs[2] = RegState.constant(0);
        } else {
            entry.regs[1] = new RegState.Pointer(PtrType.MEM, 0, ScalarRange.constant(0), 0, 0, 0,
                    RegState.Pointer.INPUT_MEMORY, input.entryMemory(), false, 0, false);
            entry.regs[2] = RegState.constant(input.entryMemory());
        }
        VerificationResult rejected = explore(new VerifierState(entry));
        if (rejected != null) {
            return rejected;
        }
        // Global functions that are called: each once, on its own, from its prototype
        TreeSet<Integer> called = new TreeSet<>();
        for (int slot = 0; slot < n; slot++) {
            if (code.atSlot(slot) instanceof Instruction.Call c && c.kind() == CallKind.LOCAL
                    && globals.containsKey(code.targetOf(slot))) {
                called.add(code.targetOf(slot));
            }
        }
        for (int start : called) {
            GlobalFunction g = globals.get(start);
            log("Validating " + g.name() + "() func#" + cfg.subprogAt(start) + "...");
            for (int i = 0; i < n; i++) {
                visited.set(i, null);
            }
            stored = 0;
            rejected = explore(functions.globalEntry(g));
            if (rejected != null) {
                return rejected;
            }
        }
        int depth = functions.checkStackDepth();
        if (depth == Integer.MIN_VALUE) {
            String msg = "the call stack of " + MAX_CALL_FRAMES + " frames is too deep !";
            log(msg);
            stats();
            return new VerificationResult.Rejected(-1, msg, "", List.of(), processed, peak, log.toString());
        }
        if (depth < 0) {
            String msg = "combined stack size of " + (-depth >> 16) + " calls is " + (-depth & 0xffff) + ". Too large";
            log(msg);
            stats();
            return new VerificationResult.Rejected(-1, msg, "", List.of(), processed, peak, log.toString());
        }
        if (options.logLevel() == 1) {
            log.setLength(0); // as Linux at level 1: the paths that ended well leave no trace
        }
        stats();
        return new VerificationResult.Accepted(processed, peak, log.toString(), functions.subprogDepth[0],
                facts.facts());
    }

    /** Explores every path from {@code entry}; returns the rejection, or null when all paths end well. */
    private VerificationResult explore(VerifierState entry) {
        ArrayDeque<Path> work = new ArrayDeque<>();
        work.push(new Path(entry.cur().subprogStart, entry, null, null, new long[16], 0));
        while (!work.isEmpty()) {
            Path p = work.pop();
            if (options.logLevel() == 1) {
                log.setLength(Math.min(p.logPos, log.length()));
            }
            try {
                explore(p, work);
            } catch (Reject r) {
                log(r.getMessage());
                List<Integer> path = new ArrayList<>();
                for (Trail t = p.trail; t != null && path.size() < MAX_PATH; t = t.prev) {
                    path.add(t.from); // the last MAX_PATH branches, newest first
                }
                Collections.reverse(path);
                stats();
                int slot = r.getMessage().startsWith("BPF program is too large") ? -1 : p.slot;
                return new VerificationResult.Rejected(slot, r.getMessage(), p.st.describeFrames(), path, processed, peak,
                        log.toString());
            }
        }
        return null;
    }

    private void stats() {
        log("processed " + processed + " insns (limit " + options.insnLimit() + ") max_states_per_insn " + maxPerInsn
                + " total_states " + totalStates + " peak_states " + peak + " mark_read 0");
    }

    private void log(String line) {
        if (options.logLevel() > 0 || line.startsWith("processed")) {
            log.append(line).append('\n');
        }
    }

    private void finish(Checkpoint c) {
        while (c != null) {
            c.pending--;
            if (c.pending > 0) {
                return;
            }
            if (c.backedges != null) {
                propagateBackedges(c);
            }
            c = c.parent;
        }
    }

    /**
     * A loop entry is done: what it relies on (its final precision marks), the paths that looped
     * back to it rely on too, until nothing changes (the kernel's back-edge precision propagation
     * of a loop's states).
     */
    private void propagateBackedges(Checkpoint c) {
        boolean changed = true;
        while (changed) {
            long[] regsBefore = c.preciseRegs.clone();
            long[] stackBefore = c.preciseStack.clone();
            for (Checkpoint.Backedge b : c.backedges) {
                long[] regs = new long[MAX_CALL_FRAMES];
                long[] stack = new long[MAX_CALL_FRAMES];
                for (int f = 0; f < b.live().length; f++) {
                    regs[f] = c.preciseRegs[f] & b.live()[f];
                    stack[f] = c.preciseStack[f];
                }
                markPrecise(b.hist(), b.histLen(), b.parent(), regs, stack);
            }
            changed = !Arrays.equals(regsBefore, c.preciseRegs)
                    || !Arrays.equals(stackBefore, c.preciseStack);
        }
        c.backedges = null;
    }

    private int[] live(VerifierState st, int slot) {
        int[] live = new int[st.frames.size()];
        for (int i = 0; i < live.length; i++) {
            if (i == live.length - 1) {
                live[i] = cfg.liveIn(slot);
            } else if (st.frames.get(i + 1).callbackOf >= 0) {
                live[i] = cfg.liveIn(st.frames.get(i + 1).callsite); // the helper call runs again
            } else {
                live[i] = cfg.liveIn(st.frames.get(i + 1).callsite + 1) & 0b1111000000;
            }
        }
        return live;
    }

    /**
     * Whether the path may stop here because a completely explored state covers it; otherwise
     * stores a checkpoint when the kernel's heuristics ask for one (the kernel's
     * {@code is_state_visited}): a new state only after at least 2 jumps and 8 instructions since
     * the last one (fewer states, as many prunes in practice), fewer inside a loop still being
     * explored, and stored states that keep missing (more than 3 misses per hit, plus 3) are
     * dropped from the list (they stay in their paths' parent chains for precision marks).
     */
    private boolean visit(Path p) {
        List<Checkpoint> list = visited.get(p.slot);
        int[] live = live(p.st, p.slot);
        int hash = 0; // of the live registers, computed when a loop check needs it
        boolean hashed = false;
        boolean force = p.kernelHistory > FORCE_CHECKPOINT_HISTORY || callbackSite[p.slot] || iterNextSite[p.slot]
                || mayGotoSite[p.slot];
        // Inside an open-coded iterator's loop the marks of stored states may not be final yet
        // (a later iteration may rely on more): compare all scalars and slots there, as Linux
        // compares states of a loop whose entry is still being explored (RANGE_WITHIN).
        boolean inIterLoop = callsKfuncs && Kfuncs.hasActiveIterator(p.st) || p.st.mayGotoDepth > 0
                || Calls.inSyncCallback(p.st);
        boolean add = force || (jmps - prevJmps >= 2 && processed - prevInsns >= 8);
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                Checkpoint c = list.get(i);
                if (c.pending == 0) {
                    if (inIterLoop ? StateCompare.covers(c.state, p.st, live, null, null, null)
                            : StateCompare.covers(c.state, p.st, live, c.preciseRegs, c.preciseStack, c.readStack)) {
                        c.hits++;
                        if (!inIterLoop && facts.comparesAtStake(cfg, p.slot)
                                && !StateCompare.covers(c.state, p.st, live, null, null, c.readStack)) {
                            facts.inexactPrune(); // see AccessFacts#signedCompare
                        }
                        // the pruned path relies on the stack slots the stored one looked at
                        for (int f = 0; f < live.length; f++) {
                            markRead(p, f, c.readStack[f]);
                        }
                        // the pruned path relies on the same values as the stored one
                        long[] regs = new long[MAX_CALL_FRAMES];
                        long[] stack = new long[MAX_CALL_FRAMES];
                        for (int f = 0; f < live.length; f++) {
                            regs[f] = c.preciseRegs[f] & live[f];
                            stack[f] = c.preciseStack[f];
                        }
                        markPrecise(p, regs, stack);
                        return true;
                    }
                } else if (callbackSite[p.slot] || iterNextSite[p.slot] || mayGotoSite[p.slot]) {
                    // Calls of a callback loop back here; a state contained in one seen before,
                    // all its scalars compared (its precision marks are not final yet), adds
                    // nothing (the kernel's RANGE_WITHIN convergence check).
                    // At an iterator's next() only while the iterator is active (a drained one
                    // leaves the loop). No infinite-loop check at either.
                    // At a may_goto only one iteration deeper (Linux compares may_goto_depth).
                    if ((!iterNextSite[p.slot] || Kfuncs.iterActive(p.st))
                            && (!mayGotoSite[p.slot] || c.state.mayGotoDepth != p.st.mayGotoDepth)
                            && StateCompare.covers(c.state, p.st, live, null, null, null)) {
                        c.hits++;
                        long[] regs = new long[MAX_CALL_FRAMES];
                        long[] stack = new long[MAX_CALL_FRAMES];
                        for (int f = 0; f < live.length; f++) {
                            markRead(p, f, -1L);
                        }
                        if (callbackSite[p.slot]) {
                            // what the stored state relies on so far; the rest once it is done
                            // (states inside the callback are compared whole meanwhile)
                            for (int f = 0; f < live.length; f++) {
                                regs[f] = c.preciseRegs[f] & live[f];
                                stack[f] = c.preciseStack[f];
                            }
                            if (c.backedges == null) {
                                c.backedges = new ArrayList<>();
                            }
                            c.backedges.add(new Checkpoint.Backedge(Arrays.copyOf(p.hist, p.histLen), p.histLen,
                                    p.parent, live.clone()));
                        } else {
                            // the marks of the pruned path's states are unknown: everything
                            // becomes precise
                            for (int f = 0; f < live.length; f++) {
                                regs[f] = live[f];
                                stack[f] = -1L;
                            }
                        }
                        markPrecise(p, regs, stack);
                        return true;
                    }
                } else {
                    if (!hashed) {
                        hash = Checkpoint.shapeHash(p.st, live);
                        hashed = true;
                    }
                    if (c.hashed == 0) {
                        c.hash = Checkpoint.shapeHash(c.state, live(c.state, c.slot));
                        c.hashed = 1;
                    }
                    if (c.hash == hash && c.state.callbackReturns == p.st.callbackReturns
                            && c.state.mayGotoDepth == p.st.mayGotoDepth
                            && StateCompare.same(c.state, p.st, live) && c.isAncestorOf(p.parent)) {
                        throw new Reject("infinite loop detected at insn " + p.slot);
                    }
                    // a loop being explored: its iterations differ, store fewer of them
                    if (!force && jmps - prevJmps < 20 && processed - prevInsns < 100) {
                        add = false;
                    }
                }
                if (add) {
                    c.misses++;
                }
                if (c.misses > c.hits * 3 + 3) {
                    list.remove(i--);
                    stored--;
                }
            }
        } else {
            list = new ArrayList<>();
            visited.set(p.slot, list);
        }
        if (!add) {
            return false;
        }
        // Every stored state starts a new history segment.
        Checkpoint c = new Checkpoint(p.st.copy(), p.parent, p.hist, p.histLen);
        c.segWritten = p.written;
        c.slot = p.slot;
        p.written = new long[MAX_CALL_FRAMES];
        p.parent = c;
        p.hist = new long[16];
        p.histLen = 0;
        p.kernelHistory = 0;
        prevJmps = jmps;
        prevInsns = processed;
        if (hashed) {
            c.hash = hash;
            c.hashed = 1;
        }
        list.add(0, c); // the newest first, as Linux adds to the head of its list (misses and evictions follow)
        stored++;
        totalStates++;
        peak = Math.max(peak, stored);
        maxPerInsn = Math.max(maxPerInsn, list.size());
        return false;
    }

    private void fork(ArrayDeque<Path> work, Path p, int target, VerifierState st) {
        if (p.parent != null) {
            p.parent.pending++;
        }
        Path q = new Path(target, st, p.parent, new Trail(p.slot, target, p.trail),
                Arrays.copyOf(p.hist, Math.max(16, p.histLen)), p.histLen);
        q.written = p.written.clone();
        q.kernelHistory = p.kernelHistory;
        work.push(q);
        pushed.add(q);
    }

    /**
     * Records that the path looked at the stack slots {@code mask} of frame {@code f}: every
     * stored state up the path back to the last entire overwrite of a slot gets its read mark
     * (the kernel's {@code mark_reg_read} on stack slots). A stored state's marks are complete
     * when its subtree is, since pruned paths add the marks of the state that covered them.
     */
    private void markRead(Path p, int f, long mask) {
        mask &= ~p.written[f];
        for (Checkpoint c = p.parent; c != null && mask != 0; c = c.parent) {
            long fresh = mask & ~c.readStack[f];
            c.readStack[f] |= mask;
            mask = fresh & ~c.segWritten[f];
        }
    }

    /**
     * Marks registers ({@code regs[frame]}) and stack slots ({@code stack[frame]}) of the state
     * before the current instruction precise, and carries the marks back over the path into
     * every stored state (see {@link Precision}).
     */
    private void markPrecise(Path p, long[] regs, long[] stack) {
        markPrecise(p.hist, p.histLen, p.parent, regs, stack);
    }

    private void markPrecise(long[] hist, int histLen, Checkpoint parent, long[] regs, long[] stack) {
        Precision.backtrack(code, hist, histLen, regs, stack, linkSets);
        for (Checkpoint c = parent; c != null; c = c.parent) {
            boolean any = false;
            for (int f = 0; f < MAX_CALL_FRAMES; f++) {
                regs[f] &= ~c.preciseRegs[f];
                stack[f] &= ~c.preciseStack[f];
                c.preciseRegs[f] |= regs[f];
                c.preciseStack[f] |= stack[f];
                any |= regs[f] != 0 || stack[f] != 0;
            }
            if (!any) {
                return;
            }
            Precision.backtrack(code, c.hist, c.histLen, regs, stack, linkSets);
        }
    }

    /** After an instruction: marks what it relied on precise and records it in the path's history. */
    private void afterInsn(Path p, int slot, int frame, VerifierState... states) {
        afterInsn(p, slot, frame, 0L, states);
    }

    private void afterInsn(Path p, int slot, int frame, long flags, VerifierState... states) {
        int request = 0;
        int linked = 0;
        long stackAccess = 0;
        long[] stackRequest = null;
        long[] linkedAll = null;
        for (VerifierState s : states) {
            if (s != null) {
                for (int f = 0; f < s.frames.size(); f++) {
                    StackState stack = s.frames.get(f).stack;
                    long reads = stack.takeReads();
                    if (reads != 0) {
                        markRead(p, f, reads);
                    }
                    p.written[f] |= stack.takeWrites();
                }
                request |= s.preciseRequest;
                if (s.preciseStackSlots != 0) {
                    if (stackRequest == null) {
                        stackRequest = new long[MAX_CALL_FRAMES];
                    }
                    stackRequest[s.preciseStackFrame] |= s.preciseStackSlots;
                    s.preciseStackSlots = 0;
                }
                linked |= s.linkedMask;
                if (s.linkedAll != null) {
                    if (linkedAll == null) {
                        linkedAll = new long[2 * MAX_CALL_FRAMES];
                    }
                    for (int k = 0; k < linkedAll.length; k++) {
                        linkedAll[k] |= s.linkedAll[k];
                    }
                    s.linkedAll = null;
                }
                stackAccess |= s.stackAccess;
                s.preciseRequest = 0;
                s.linkedMask = 0;
                s.stackAccess = 0;
            }
        }
        if (request != 0 || stackRequest != null) {
            long[] regs = new long[MAX_CALL_FRAMES];
            regs[frame] = request & 0x3ff;
            markPrecise(p, regs, stackRequest != null ? stackRequest : new long[MAX_CALL_FRAMES]);
        }
        if (linkedAll != null) {
            // linked scalars beyond this frame's registers: the whole set goes to a side table
            linkedAll[2 * frame] |= linked;
            linkSets.add(linkedAll);
            p.record(Precision.entryWithLinkSet(slot, frame, stackAccess, linkSets.size() - 1) | flags);
            return;
        }
        p.record(Precision.entry(slot, frame, stackAccess, linked) | flags);
    }

    private void explore(Path p, ArrayDeque<Path> work) {
        boolean first = true;
        while (true) {
            // counted before the pruning check, as Linux counts (an instruction where a path is
            // pruned is processed; the state heuristics below depend on this count)
            if (++processed > options.insnLimit()) {
                throw new Reject("BPF program is too large. Processed " + processed + " insn");
            }
            if (prunePoint[p.slot] && visit(p)) {
                if (options.logLevel() >= 1) {
                    log(first && p.trail != null ? "\nfrom " + p.trail.from + " to " + p.slot + ": safe"
                            : p.slot + ": safe");
                }
                finish(p.parent);
                return;
            }
            if (first && options.logLevel() >= 1) {
                // the whole state where a path starts, as Linux prints it
                log(options.logLevel() >= 2 && p.trail != null
                        ? "\nfrom " + p.trail.from + " to " + p.slot + ": " + p.st.cur()
                        : p.slot + ": " + p.st.cur());
            }
            first = false;
            Instruction insn = code.atSlot(p.slot);
            if (insn instanceof Instruction.Jump || insn instanceof Instruction.Goto || insn instanceof Instruction.Call
                    || insn instanceof Instruction.Exit || insn instanceof Instruction.MayGoto) {
                jmps++;
            }
            int lineStart = log.length();
            int scratchedRegs = 0;
            long scratchedSlots = 0;
            if (options.logLevel() >= 1) {
                log(p.slot + ": " + KernelLog.insn(insn, p.slot, catalog));
                scratchedRegs = KernelLog.registers(insn);
                scratchedSlots = KernelLog.stackSlots(insn, p.st);
            }
            int lineEnd = log.length();
            pushed.clear();
            int framesBefore = p.st.frames.size();
            String calleeBefore = options.logLevel() >= 1 && insn instanceof Instruction.Exit && framesBefore > 1
                    ? KernelLog.frameState(p.st) : null;
            VerifierState st = p.st;
            int next = p.slot + insn.slots();
            int slot = p.slot;
            int frame = st.frames.size() - 1;
            st.preciseRequest = 0;
            st.preciseStackSlots = 0;
            st.linkedMask = 0;
            st.linkedAll = null;
            st.stackAccess = 0;
            st.stackHistory = false;
            boolean history = jmpPoint[slot];
            facts.slot = slot;
            VerifierState[] forks = null;
            switch (insn) {
                case Instruction.Alu a -> AluTransfer.alu(st, a);
                case Instruction.Neg g -> AluTransfer.neg(st, g);
                case Instruction.MovSx m -> AluTransfer.movsx(st, m);
                case Instruction.Endian e -> AluTransfer.endian(st, e);
                case Instruction.LoadImm64 l -> loads.loadImm64(st, l, p.slot);
                case Instruction.Load l -> {
                    RegState base = st.regs()[l.src()];
                    memory.load(st, l);
                    accessKinds.record(slot, base, true);
                }
                case Instruction.Store s -> {
                    RegState base = st.regs()[s.dst()];
                    memory.store(st, s);
                    accessKinds.record(slot, base, false);
                }
                case Instruction.Atomic a -> memory.atomic(st, a);
                case Instruction.LoadPacket lp -> loads.loadPacket(st, lp);
                case Instruction.Goto g -> next = code.targetOf(p.slot);
                case Instruction.MayGoto m -> {
                    // Linux's may_goto: this path takes the jump (the budget spent), a second one
                    // goes on into the loop's body one iteration deeper, with the scalars that
                    // changed since the previous arrival here and are not precise widened, so
                    // that the loop converges at this instruction
                    VerifierState body = st.copy();
                    body.mayGotoDepth++;
                    Checkpoint prev = previousArrival(p);
                    if (prev != null) {
                        prev.widen(body);
                    }
                    pendingFork = body;
                    pendingForkSlot = p.slot + 1;
                    next = code.targetOf(p.slot);
                }
                case Instruction.Jump j -> {
                    facts.recordCompare(st, j);
                    VerifierState[] r = BranchTransfer.jump(st, j);
                    afterInsn(p, slot, frame, st, r[0], r[1]);
                    forks = r;
                    int target = code.targetOf(p.slot);
                    if (r[0] != null && r[1] != null) {
                        // recorded before the other branch is pushed: both share the entry
                        if (history || BranchTransfer.linkedCount(r[1], j) > 1) {
                            p.kernelHistory++;
                        }
                        history = false;
                        fork(work, p, target, r[0]);
                        p.st = r[1];
                    } else if (r[0] != null) {
                        p.st = r[0];
                        next = target;
                        p.trail = new Trail(p.slot, target, p.trail);
                    } else if (r[1] != null) {
                        p.st = r[1];
                    } else {
                        finish(p.parent);
                        return;
                    }
                }
                case Instruction.Call c -> next = call(p, work, c, next);
                case Instruction.CallReg c -> throw new Reject("unknown opcode 8d"); // refused by ControlFlow first
                case Instruction.Exit e -> {
                    if (st.frames.size() == 1 && st.cur().callbackOf == Calls.TIMER_SET_CALLBACK) {
                        functions.exitAsync(st);
                        afterInsn(p, slot, frame, st);
                        finish(p.parent);
                        return;
                    }
                    if (st.cur().callbackOf >= 0) {
                        next = returnFromCallback(p);
                        afterInsn(p, slot, frame, Precision.CALLBACK_EXIT, st);
                        forks = new VerifierState[0];
                    } else if (st.frames.size() > 1) {
                        next = functions.returnFromCall(st);
                    } else {
                        functions.exitMain(st);
                        afterInsn(p, slot, frame, st);
                        finish(p.parent);
                        return;
                    }
                }
            }
            if (forks == null) {
                afterInsn(p, slot, frame, p.st, pendingFork);
            }
            if (history || st.stackHistory) {
                p.kernelHistory++;
            }
            if (pendingFork != null) {
                fork(work, p, pendingForkSlot >= 0 ? pendingForkSlot : next, pendingFork);
                pendingFork = null;
                pendingForkSlot = -1;
            }
            if (options.logLevel() >= 1 && log.length() == lineEnd) {
                if (calleeBefore != null && p.st.frames.size() < framesBefore) {
                    log("returning from callee:\n " + calleeBefore + "\nto caller at " + next + ":\n "
                            + KernelLog.frameState(p.st));
                } else if (insn instanceof Instruction.Call && p.st.frames.size() > framesBefore) {
                    VerifierState callee = p.st;
                    // the caller without R0-R5, which the call does not keep for it
                    log("caller:\n " + callee.frames.get(callee.frames.size() - 2).render(0x7c0, -1L)
                            + "\ncallee:\n " + KernelLog.frameState(callee));
                    log(next + ": " + KernelLog.frameState(callee));
                } else if (!(insn instanceof Instruction.Exit)) {
                    // what the instruction touched, as it is after it (Linux's scratched registers and slots)
                    KernelLog.appendState(log, lineStart, KernelLog.prefix(p.st)
                            + p.st.cur().render(scratchedRegs, scratchedSlots));
                }
            }
            for (Path q : pushed) {
                q.logPos = log.length();
            }
            p.slot = next;
        }
    }


    private int call(Path p, ArrayDeque<Path> work, Instruction.Call c, int next) {
        VerifierState st = p.st;
        return switch (c.kind()) {
            case HELPER -> {
                VerifierState before = callbackSite[p.slot] ? st.copy() : null;
                int cb = calls.helper(st, p.slot, c.imm());
                if (cb >= 0 && before != null && c.imm() == HELPER_LOOP) {
                    // the count bounds the calls of the callback: precise, and once the callback
                    // was entered as many times as it may be, the loop is over (the kernel's
                    // callback_depth)
                    st.preciseRequest |= 1 << 1;
                    if (before.cur().regs[1] instanceof RegState.Scalar n
                            && Long.compareUnsigned(before.cur().callbackDepth, n.range().umax()) >= 0) {
                        cb = -1;
                    }
                }
                if (before != null) {
                    st.cur().callbackDepth = 0;
                }
                if (cb >= 0 && before != null) {
                    before.cur().callbackDepth++;
                    enterCallback(p, work, before, c.imm(), cb);
                }
                if (calls.asyncEntry != null) {
                    // verified as a program of its own: no parent state, nothing of this path
                    VerifierState async = calls.asyncEntry;
                    calls.asyncEntry = null;
                    functions.asyncCallback(async.cur().subprogStart);
                    work.push(new Path(async.cur().subprogStart, async, null,
                            new Trail(p.slot, async.cur().subprogStart, p.trail), new long[16], 0));
                }
                yield next;
            }
            case LOCAL -> {
                int target = code.targetOf(p.slot);
                GlobalFunction g = globals.get(target);
                if (g != null) {
                    functions.callGlobal(st, g);
                    yield next;
                }
                if (st.frames.size() >= MAX_CALL_FRAMES) {
                    throw new Reject("the call stack of " + (st.frames.size() + 1) + " frames is too deep");
                }
                FrameState caller = st.cur();
                FrameState callee = new FrameState(p.slot, st.frames.size(), target);
                for (int r = 1; r <= 5; r++) {
                    callee.regs[r] = caller.regs[r];
                }
                st.frames.add(callee);
                p.written[callee.frameNo] = -1L; // a new frame: nothing above it reads its slots
                yield target;
            }
            case KFUNC -> {
                VerifierState other = kfuncs.call(st, p.slot, c.imm());
                if (other != null) {
                    // the loop's next iteration: scalars that changed since the previous arrival
                    // here and are not precise there are widened, so that the loop converges
                    Checkpoint prev = previousArrival(p);
                    if (prev != null) {
                        prev.widen(other);
                    }
                    pendingFork = other;
                }
                yield next;
            }
        };
    }

    /**
     * A synchronous callback ({@code bpf_loop}, {@code for_each_map_elem}, {@code find_vma}):
     * besides the path that goes on after the helper (the callback not called, or called for the
     * last time), a path enters the callback from the state before the helper's effects, with
     * the arguments the helper gives it (the kernel's {@code push_callback_call}). Its exit goes
     * back to the helper call, which runs again (another call, or the end); the states there
     * converge (see {@link #visit}).
     */
    private void enterCallback(Path p, ArrayDeque<Path> work, VerifierState before, int helperId, int target) {
        if (before.frames.size() >= MAX_CALL_FRAMES) {
            throw new Reject("the call stack of " + (before.frames.size() + 1) + " frames is too deep");
        }
        FrameState caller = before.cur();
        RegState[] args = caller.regs;
        FrameState callee = new FrameState(p.slot, before.frames.size(), target, helperId);
        switch (helperId) {
            case HELPER_LOOP -> {
                callee.regs[1] = RegState.unknown(); // the index
                callee.regs[2] = args[3];
            }
            case HELPER_FOR_EACH_MAP_ELEM -> {
                RegState.Pointer map = (RegState.Pointer) args[1];
                MapInfo m = maps.get(map.map());
                callee.regs[1] = map;
                callee.regs[2] = new RegState.Pointer(PtrType.MAP_KEY, 0, ScalarRange.constant(0), 0, 0, 0, map.map(), 0,
                        false, 0, false);
                // the element's value names its bpf_spin_lock by a fresh id (Linux gives it one), so
                // that it is not taken for another element's or the global value's lock
                callee.regs[3] = new RegState.Pointer(PtrType.MAP_VALUE, 0, ScalarRange.constant(0),
                        m.spinLockOff() >= 0 ? before.newId() : 0, 0, 0, map.map(), 0, false, 0, m.readOnlyProg());
                callee.regs[4] = args[3];
            }
            case HELPER_FIND_VMA -> {
                callee.regs[1] = args[1];
                callee.regs[2] = RegState.Pointer.of(PtrType.BTF_ID); // struct vm_area_struct
                callee.regs[3] = args[4];
            }
            case HELPER_USER_RINGBUF_DRAIN -> {
                // the kernel's dynptr over the sample (the kernel's CONST_PTR_TO_DYNPTR), the context
                callee.regs[1] = RegState.Pointer.of(PtrType.CONST_DYNPTR);
                callee.regs[2] = args[3];
            }
            default -> throw new Reject("bpf4j: callbacks of helper #" + helperId + " are not supported yet");
        }
        before.frames.add(callee);
        if (p.parent != null) {
            p.parent.pending++;
        }
        Path q = new Path(target, before, p.parent, new Trail(p.slot, target, p.trail),
                Arrays.copyOf(p.hist, Math.max(16, p.histLen + 1)), p.histLen);
        q.record(Precision.entry(p.slot, caller.frameNo, 0, 0) | Precision.CALLBACK_ENTRY);
        q.written = p.written.clone();
        q.written[callee.frameNo] = -1L;
        work.push(q);
        pushed.add(q);
    }

    /**
     * The exit of a callback: r0 must be a scalar in [0, 1] (precise: the helper relies on it),
     * the frame goes, and the helper call runs again with the caller's registers as they were.
     * Scalars that changed since the previous arrival at the call and are not precise there are
     * widened to unknown (the kernel's {@code widen_imprecise_scalars}), so that loops converge.
     */
    private int returnFromCallback(Path p) {
        VerifierState st = p.st;
        FrameState callee = st.cur();
        RegState r0 = st.regs()[0];
        st.preciseRequest |= 1;
        if (!(r0 instanceof RegState.Scalar s)) {
            // prepare_func_exit: unset or a pointer, the same refusal
            throw new Reject("R0 not a scalar value");
        }
        if (s.range().smin() < 0 || s.range().smax() > 1) {
            throw new Reject(Functions.outOfRange("At callback return the register R0 has", s.range(), 0, 1));
        }
        functions.recordDepth(callee);
        st.frames.remove(st.frames.size() - 1);
        st.callbackReturns++;
        for (Checkpoint c = p.parent; c != null; c = c.parent) {
            if (c.state != null && c.state.frames.size() == st.frames.size()
                    && c.state.cur().callsite == st.cur().callsite && c.slot == callee.callsite) {
                c.widen(st);
                break;
            }
        }
        return callee.callsite;
    }

    /**
     * The stored state of an earlier arrival at the current instruction on this path, in the same
     * frames (the kernel's {@code find_prev_entry}); the checkpoint made at this arrival is skipped.
     */
    private static Checkpoint previousArrival(Path p) {
        Checkpoint c = p.parent;
        if (c != null && c.slot == p.slot) {
            c = c.parent; // the checkpoint made at this arrival
        }
        for (; c != null; c = c.parent) {
            if (c.slot == p.slot && c.state != null && Checkpoint.sameCallsites(c.state, p.st)) {
                return c;
            }
        }
        return null;
    }
}
