package org.bpf4j.verifier.engine;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.verifier.cfg.ControlFlow;

/**
 * The static call graph between a program's functions (numbered as {@link ControlFlow} numbers
 * them, 0 the main program): an edge from the function holding an instruction to the function
 * it names, kept only when its {@link Edge kind} is among those asked for. Every such
 * instruction counts, reachable on a verified path or not. Immutable.
 */
final class CallGraph {
    /** How one function reaches another. */
    enum Edge {
        /** A bpf-to-bpf call ({@code call} with a local target): runs at once, on the caller's stack. */
        CALL,
        /**
         * The function's address is loaded ({@code ld_imm64} of a code address) to be passed to a
         * helper or kfunc that calls it back while the caller waits ({@code bpf_loop}, ...).
         */
        CALLBACK,
        /**
         * The function's address is loaded and the function is registered as an asynchronous
         * callback (a timer's): it runs later, on a stack of its own.
         */
        ASYNC_CALLBACK
    }

    private final int[][] callees;

    private CallGraph(int[][] callees) {
        this.callees = callees;
    }

    /**
     * The edges of {@code kinds} in {@code cfg}'s program; an address load whose target is in
     * {@code async} (function indexes) is an {@link Edge#ASYNC_CALLBACK}, any other a
     * {@link Edge#CALLBACK}. A function called directly is a {@link Edge#CALL} even when it is
     * also an asynchronous callback.
     */
    static CallGraph of(ControlFlow cfg, Set<Edge> kinds, Set<Integer> async) {
        Code code = cfg.code();
        List<List<Integer>> edges = new ArrayList<>();
        for (int i = 0; i < cfg.subprogCount(); i++) {
            edges.add(new ArrayList<>());
        }
        for (int slot = 0; slot < code.slotCount(); slot++) {
            Edge kind = switch (code.atSlot(slot)) {
                case Instruction.Call c when c.kind() == CallKind.LOCAL -> Edge.CALL;
                case Instruction.LoadImm64 l when l.kind() == Imm64Kind.CODE_ADDRESS -> Edge.CALLBACK;
                case null, default -> null;
            };
            if (kind == null) {
                continue;
            }
            int to = cfg.subprogAt(code.targetOf(slot));
            if (kind == Edge.CALLBACK && async.contains(to)) {
                kind = Edge.ASYNC_CALLBACK;
            }
            List<Integer> from = edges.get(cfg.subprogOf(slot));
            if (to >= 0 && kinds.contains(kind) && !from.contains(to)) {
                from.add(to);
            }
        }
        return new CallGraph(edges.stream().map(l -> l.stream().mapToInt(Integer::intValue).toArray())
                .toArray(int[][]::new));
    }

    /** The number of functions. */
    int size() {
        return callees.length;
    }

    /** The functions {@code function} reaches by one edge, each once, in the order of the code. */
    int[] callees(int function) {
        return callees[function].clone();
    }

    /**
     * The functions that are {@code marked} or reach a marked one through edges (the transitive
     * closure backwards); a new array, {@code marked} is left as it was.
     */
    boolean[] reaching(boolean[] marked) {
        boolean[] out = Arrays.copyOf(marked, callees.length);
        for (boolean more = true; more; ) {
            more = false;
            for (int i = 0; i < callees.length; i++) {
                for (int to : callees[i]) {
                    if (out[to] && !out[i]) {
                        out[i] = true;
                        more = true;
                    }
                }
            }
        }
        return out;
    }
}
