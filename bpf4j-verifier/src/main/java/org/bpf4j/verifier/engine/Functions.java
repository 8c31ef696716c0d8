package org.bpf4j.verifier.engine;

import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeSet;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.spec.ArgType;
import org.bpf4j.spec.AttachType;
import org.bpf4j.verifier.GlobalFunction;
import org.bpf4j.verifier.domain.FrameState;
import org.bpf4j.verifier.domain.PtrType;
import org.bpf4j.verifier.domain.RegState;
import org.bpf4j.verifier.domain.ScalarRange;
import org.bpf4j.verifier.domain.VerifierState;

/**
 * Calls between the program's functions: global functions (checked against their prototype at
 * the call, verified once on their own), returns from bpf-to-bpf calls, the exit of the main
 * program (references released, the return value in the range of the program type) and the
 * stack depth of the deepest chain of calls.
 */
final class Functions {
    /** The kernel's {@code MAX_BPF_STACK}. */
    private static final int MAX_STACK = 512;

    private final Explorer ex;
    private final Code code;
    /** The deepest stack seen per subprogram. */
    final int[] subprogDepth;

    Functions(Explorer ex, Code code, int subprogs) {
        this.ex = ex;
        this.code = code;
        this.subprogDepth = new int[subprogs];
    }

    /** The subprograms registered as asynchronous callbacks: roots of their own call chains. */
    private final Set<Integer> asyncRoots = new TreeSet<>();

    /** Notes that the function at {@code start} runs as an asynchronous callback (a timer's). */
    void asyncCallback(int start) {
        asyncRoots.add(ex.cfg().subprogAt(start));
    }

    /**
     * The exit of an asynchronous callback (a timer's): nothing held, and r0 the constant 0 the
     * kernel ignores (precise: the check relies on it).
     */
    void exitAsync(VerifierState st) {
        recordDepth(st.cur());
        leaks(st);
        RegState r0 = Regs.read(st, 0);
        st.preciseRequest |= 1;
        if (!(r0 instanceof RegState.Scalar s)) {
            throw new Reject("At async callback return the register R0 is not a known value (" + Regs.typeName(r0)
                    + ")");
        }
        if (s.range().smin() != 0 || s.range().smax() != 0) {
            throw new Reject("At async callback return the register R0 has smin=" + s.range().smin() + " smax="
                    + s.range().smax() + " should have been in [0, 0]");
        }
    }

    /** References and locks must all be released when a program ends. */
    private void leaks(VerifierState st) {
        if (st.activeLock != -1) {
            throw new Reject("BPF_EXIT instruction in main prog cannot be used inside bpf_spin_lock-ed region");
        }
        if (!st.refs.isEmpty()) {
            throw new Reject(referenceLeak(st, ex, "BPF_EXIT instruction in main prog"));
        }
        if (st.activeRcu) {
            throw new Reject("BPF_EXIT instruction in main prog cannot be used inside bpf_rcu_read_lock-ed region");
        }
        if (st.preemptDisabled > 0) {
            throw new Reject("BPF_EXIT instruction in main prog cannot be used inside bpf_preempt_disable-ed region");
        }
    }

    /**
     * The refusal of an instruction after which held references could never be released: each
     * one with the instruction that acquired it, then what would leak them.
     */
    static String referenceLeak(VerifierState st, Explorer ex, String what) {
        StringBuilder sb = new StringBuilder();
        for (int ref : st.refs) {
            sb.append("Unreleased reference id=").append(ref).append(" alloc_insn=")
                    .append(ex.refSlots().getOrDefault(ref, -1)).append('\n');
        }
        return sb.append(what).append(" would lead to reference leak").toString();
    }

    /** Records the stack depth {@code frame} reached in its function. */
    void recordDepth(FrameState frame) {
        int sub = ex.cfg().subprogOf(frame.subprogStart);
        subprogDepth[sub] = Math.max(subprogDepth[sub], frame.stack.depth());
    }

    /**
     * The state at the start of a global function: each argument as its prototype types it (a
     * scalar, the context, or memory of the type's size that may be NULL).
     */
    VerifierState globalEntry(GlobalFunction g) {
        FrameState f = new FrameState(-1, 0, g.slot());
        VerifierState st = new VerifierState(f);
        for (int i = 0; i < g.params().size(); i++) {
            f.regs[i + 1] = switch (g.params().get(i)) {
                case GlobalFunction.Param.Scalar x -> RegState.unknown();
                case GlobalFunction.Param.Context x -> RegState.Pointer.of(PtrType.CTX);
                case GlobalFunction.Param.Memory m -> new RegState.Pointer(PtrType.MEM, 0,
                        ScalarRange.constant(0), m.nonNull() ? 0 : st.newId(), 0, 0, -1,
                        (int) Math.min(m.size(), Integer.MAX_VALUE), !m.nonNull(), 0, false);
                case GlobalFunction.Param.Dynptr d -> RegState.Pointer.of(PtrType.CONST_DYNPTR);
                case GlobalFunction.Param.Trusted t -> new RegState.Pointer(PtrType.BTF_ID, 0,
                        ScalarRange.constant(0), t.nullable() ? st.newId() : 0, 0, 0, -1, 0, t.nullable(), 0, false,
                        ex.kernelObjects().helperResult(t.struct(), true));
                case GlobalFunction.Param.Unsupported u -> RegState.NOT_INIT;
            };
        }
        return st;
    }

    /**
     * A call of a global function: the arguments are checked against its prototype (a scalar; the
     * context; NULL or memory of the type's size, readable and writable) and the call returns an
     * unknown scalar; the body is verified on its own (the kernel's {@code btf_check_subprog_call}).
     */
    void callGlobal(VerifierState st, GlobalFunction g) {
        if (st.activeLock != -1) {
            throw new Reject("global function calls are not allowed while holding a lock,\nuse static function instead");
        }
        try {
            checkGlobalArgs(st, g);
        } catch (Reject e) {
            // Linux names the function after the argument's own complaint
            throw new Reject(e.getMessage() + "\nCaller passes invalid args into func#" + ex.cfg().subprogAt(g.slot())
                    + " ('" + g.name() + "')");
        }
        if (mayChangePacketData(ex.cfg().subprogAt(g.slot()))) {
            Calls.forgetPacketPointers(st);
        }
        RegState[] regs = st.regs();
        for (int r = 1; r <= 5; r++) {
            regs[r] = RegState.NOT_INIT;
        }
        regs[0] = RegState.unknown();
    }

    private void checkGlobalArgs(VerifierState st, GlobalFunction g) {
        for (int i = 0; i < g.params().size(); i++) {
            int r = i + 1;
            RegState v = Regs.read(st, r);
            switch (g.params().get(i)) {
                case GlobalFunction.Param.Scalar x -> {
                    if (!(v instanceof RegState.Scalar)) {
                        throw new Reject("R" + r + " is not a scalar");
                    }
                }
                case GlobalFunction.Param.Context x -> {
                    if (!(v instanceof RegState.Pointer p && p.type() == PtrType.CTX)) {
                        throw new Reject("arg#" + i + " expects pointer to ctx");
                    }
                    // the function reads the context as the program's own: at its start
                    Regs.unmodifiedCtx(r, p);
                }
                case GlobalFunction.Param.Memory m -> {
                    boolean isNull = v instanceof RegState.Scalar s && s.range().isConst() && s.range().value() == 0;
                    if (m.nonNull() && v instanceof RegState.Pointer p && p.maybeNull()) {
                        throw new Reject("R" + r + " invalid mem access '" + p.typeName() + "'");
                    }
                    if (!isNull || m.nonNull()) {
                        ex.memory().checkRange(st, r, v, m.size(), true, false);
                    }
                }
                case GlobalFunction.Param.Trusted t -> trustedArg(r, v, t);
                case GlobalFunction.Param.Dynptr d ->
                    Dynptrs.arg(st, r, ArgType.PTR_TO_DYNPTR, new Dynptrs.Use());
                case GlobalFunction.Param.Unsupported u ->
                    throw new Reject("arg#" + i + " of " + g.name() + "(): " + u.what()
                            + " is not supported for a global function");
            }
        }
    }

    /**
     * An {@code __arg_trusted} argument: NULL where the parameter is nullable, else a trusted or
     * referenced pointer to the structure, at its start (maybe NULL only where NULL is allowed).
     */
    private static void trustedArg(int r, RegState v, GlobalFunction.Param.Trusted t) {
        boolean isNull = v instanceof RegState.Scalar s && s.range().isConst() && s.range().value() == 0;
        if (isNull && t.nullable()) {
            return;
        }
        String expected = "ptr_, trusted_ptr_, rcu_ptr_";
        if (!(v instanceof RegState.Pointer p) || p.type() != PtrType.BTF_ID || p.maybeNull() && !t.nullable()) {
            throw new Reject("R" + r + " type=" + Regs.typeName(v) + " expected=" + expected);
        }
        if (!(p.refId() != 0 || p.btf().has(RegState.KernelObject.TRUSTED))) {
            throw new Reject("R" + r + " must be referenced or trusted");
        }
        if (!p.btf().name().equals(t.struct())) {
            throw new Reject("R" + r + " is of type " + p.btf().name() + " but " + t.struct() + " is expected");
        }
        if (p.off() != 0 || !p.fixedOffset()) {
            throw new Reject("R" + r + " must have zero offset when passed to release func or trusted arg to kfunc");
        }
    }

    /** By function index: whether a call of it may change packet data (computed on first use). */
    private boolean[] changesPacket;

    /**
     * Whether a call of function {@code subprog} may change the packet (Linux's
     * {@code changes_pkt_data}, 6.13): it or a function it reaches through calls or callbacks calls
     * a helper that changes packet data, or makes a tail call. A global function is verified on
     * its own, so its caller must forget its packet pointers after such a call. Sound: an
     * over-approximation (any reachable call counts, taken or not).
     */
    boolean mayChangePacketData(int subprog) {
        if (changesPacket == null) {
            boolean[] helper = new boolean[ex.cfg().subprogCount()];
            for (int slot = 0; slot < code.slotCount(); slot++) {
                if (code.atSlot(slot) instanceof Instruction.Call c && c.kind() == CallKind.HELPER) {
                    helper[ex.cfg().subprogOf(slot)] |= ex.catalog().byId(c.imm()).map(Calls::changesPacketData)
                            .orElse(false);
                }
            }
            // every edge counts, so which callbacks are asynchronous (not all known yet) does not matter
            changesPacket = CallGraph.of(ex.cfg(), EnumSet.allOf(CallGraph.Edge.class), Set.of()).reaching(helper);
        }
        return subprog >= 0 && subprog < changesPacket.length && changesPacket[subprog];
    }

    /**
     * The exit of a static subprogram: the caller gets whatever R0 holds, even nothing (Linux's
     * {@code prepare_func_exit} copies R0 unread, so a function returning void may leave it
     * unset; the caller is refused only if it reads R0 then). Sound: an unset R0 stays unreadable.
     */
    int returnFromCall(VerifierState st) {
        FrameState callee = st.cur();
        RegState r0 = st.regs()[0];
        if (r0 instanceof RegState.Pointer ptr && ptr.type() == PtrType.STACK) {
            // Linux refuses any stack pointer, even one into a caller's frame (conservative)
            throw new Reject("cannot return stack pointer to the caller frame");
        }
        recordDepth(callee);
        st.frames.remove(st.frames.size() - 1);
        if (mayChangePacketData(ex.cfg().subprogAt(callee.subprogStart))) {
            // its tail call may have run a program that changed the packet (a helper's change
            // has been applied already): Linux forgets the packet pointers after such a call
            Calls.forgetPacketPointers(st);
        }
        FrameState caller = st.cur();
        for (int r = 1; r <= 5; r++) {
            caller.regs[r] = RegState.NOT_INIT;
        }
        caller.regs[0] = r0;
        return callee.callsite + 1;
    }

    void exitMain(VerifierState st) {
        RegState r0 = Regs.read(st, 0);
        recordDepth(st.cur());
        if (ex.cfg().subprogOf(st.cur().subprogStart) != 0) {
            // a global function verified on its own: it returns a number to any caller
            leaks(st);
            if (!(r0 instanceof RegState.Scalar)) {
                throw new Reject("At subprogram exit the register R0 is not a scalar value (" + Regs.typeName(r0) + ")");
            }
            return;
        }
        leaks(st);
        AttachType attach = ex.attach().orElse(null);
        long[] range = switch (ex.type()) {
            // egress may also ask for congestion notification (bit 1)
            case CGROUP_SKB -> attach == AttachType.CGROUP_INET_EGRESS ? new long[] {0, 3} : new long[] {0, 1};
            case CGROUP_SOCK_ADDR -> sockAddrRange(attach);
            case CGROUP_SOCK, SOCK_OPS, CGROUP_DEVICE, CGROUP_SYSCTL, CGROUP_SOCKOPT -> new long[] {0, 1};
            case SK_LOOKUP -> new long[] {0, 1};
            case NETFILTER -> new long[] {0, 1};
            default -> null;
        };
        if (range == null) {
            return;
        }
        st.preciseRequest |= 1;
        if (!(r0 instanceof RegState.Scalar s)) {
            throw new Reject("At program exit the register R0 is not a known value (" + Regs.typeName(r0) + ")");
        }
        ScalarRange r = s.range();
        if (r.smin() < range[0] || r.smax() > range[1]) {
            throw new Reject(outOfRange("At program exit the register R0 has", r, range[0], range[1]));
        }
    }

    /** Linux's words for a return value outside {@code [lo, hi]}: the signed bounds that are known. */
    static String outOfRange(String what, ScalarRange r, long lo, long hi) {
        StringBuilder sb = new StringBuilder(what);
        boolean unknown = true;
        if (r.smin() > Long.MIN_VALUE) {
            sb.append(" smin=").append(r.smin());
            unknown = false;
        }
        if (r.smax() < Long.MAX_VALUE) {
            sb.append(" smax=").append(r.smax());
            unknown = false;
        }
        if (unknown) {
            sb.append(" unknown scalar value");
        }
        sb.append(" should have been in [").append(lo).append(", ").append(hi).append(']');
        return sb.toString();
    }

    /**
     * What a socket-address hook may return, by its attach type: bind may also ask to skip the
     * port check (bit 1), and the hooks that only rewrite an address the kernel reports (recvmsg,
     * getpeername, getsockname) cannot refuse anything, so they must return exactly 1.
     */
    private static long[] sockAddrRange(AttachType attach) {
        if (attach == null) {
            return new long[] {0, 1};
        }
        return switch (attach) {
            case CGROUP_INET4_BIND, CGROUP_INET6_BIND -> new long[] {0, 3};
            case CGROUP_UDP4_RECVMSG, CGROUP_UDP6_RECVMSG, CGROUP_UNIX_RECVMSG, CGROUP_INET4_GETPEERNAME,
                 CGROUP_INET6_GETPEERNAME, CGROUP_UNIX_GETPEERNAME, CGROUP_INET4_GETSOCKNAME,
                 CGROUP_INET6_GETSOCKNAME, CGROUP_UNIX_GETSOCKNAME -> new long[] {1, 1};
            default -> new long[] {0, 1};
        };
    }

    /**
     * The deepest chain of frames by static calls, each frame rounded up to 16 bytes as Linux
     * counts for a program it JIT-compiles (every x86-64 and arm64 kernel; its interpreter's
     * granularity, 32, no longer applies); returns the main depth, or {@code -(calls << 16 | size)}
     * when over 512, or {@link Integer#MIN_VALUE} when a chain of calls (a recursion) stacks more
     * than 8 frames.
     */
    int checkStackDepth() {
        // a callback runs on top of the frame that passes it (Linux counts it so too), except an
        // asynchronous one, which runs on a stack of its own
        CallGraph graph = CallGraph.of(ex.cfg(), EnumSet.of(CallGraph.Edge.CALL, CallGraph.Edge.CALLBACK), asyncRoots);
        int n = graph.size();
        int[] best = new int[n];
        int[] calls = new int[n];
        Arrays.fill(best, -1);
        for (int i = n - 1; i >= 0; i--) {
            depthOf(i, graph, best, calls, 0);
        }
        int[] chain = new int[n];
        Arrays.fill(chain, -1);
        boolean[] open = new boolean[n];
        for (int root : asyncRoots) {
            if (framesOf(root, graph, chain, open) > Explorer.MAX_CALL_FRAMES) {
                return Integer.MIN_VALUE;
            }
        }
        if (framesOf(0, graph, chain, open) > Explorer.MAX_CALL_FRAMES) {
            return Integer.MIN_VALUE;
        }
        for (int root : asyncRoots) {
            if (best[root] > MAX_STACK) {
                return -((calls[root] << 16) | best[root]);
            }
        }
        if (best[0] > MAX_STACK) {
            return -((calls[0] << 16) | best[0]);
        }
        return best[0];
    }

    /**
     * The most frames a chain of static calls from {@code sub} can stack, {@code sub}'s own
     * included; a cycle (recursion, bounded or not) counts as more than any limit, as Linux's
     * walk of the call graph follows it until it has too many frames.
     */
    private static int framesOf(int sub, CallGraph graph, int[] chain, boolean[] open) {
        if (open[sub]) {
            return Explorer.MAX_CALL_FRAMES + 1;
        }
        if (chain[sub] >= 0) {
            return chain[sub];
        }
        open[sub] = true;
        int deepest = 0;
        for (int c : graph.callees(sub)) {
            deepest = Math.max(deepest, framesOf(c, graph, chain, open));
        }
        open[sub] = false;
        chain[sub] = Math.min(deepest + 1, Explorer.MAX_CALL_FRAMES + 1);
        return chain[sub];
    }

    private int depthOf(int sub, CallGraph graph, int[] best, int[] calls, int guard) {
        if (best[sub] >= 0) {
            return best[sub];
        }
        if (guard > Explorer.MAX_CALL_FRAMES + 1) {
            return 0;
        }
        int own = (subprogDepth[sub] + 15) & ~15;
        int deepest = 0;
        int deepestCalls = 0;
        for (int c : graph.callees(sub)) {
            int d = depthOf(c, graph, best, calls, guard + 1);
            if (d > deepest) {
                deepest = d;
                deepestCalls = calls[c];
            }
        }
        best[sub] = own + deepest;
        calls[sub] = deepestCalls + 1;
        return best[sub];
    }
}
