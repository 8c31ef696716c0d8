package org.bpf4j.trace.codegen;

import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Size;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.sema.SemanticAnalyser;

/**
 * Code for the functions whose helper takes a BTF-typed kernel pointer (raw tracepoints, loaded
 * as tp_btf): {@code socket_cookie(sk)} and {@code skboutput(FILE, skb, LEN, OFFSET)}. The pointer
 * argument is computed last, straight into the helper's first register, so that the verifier
 * still sees the typed pointer the context gave.
 */
final class BtfPointerCalls {
    /** {@code BPF_F_CURRENT_CPU}: the perf event array's slot of the running CPU. */
    private static final long CURRENT_CPU = 0xffffffffL;
    /** Bytes of the header before the packet: event id, {@code skboutput} index, time, length. */
    private static final int HEADER = 32;

    private final ProbeCompiler pc;
    private final Asm asm;

    BtfPointerCalls(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
    }

    /** Whether {@code name} is one of these functions. */
    static boolean handles(String name) {
        return name.equals("socket_cookie") || name.equals("skboutput");
    }

    /** The call's value into r0. */
    void call(Expr.Call c) {
        if (c.name().equals("socket_cookie")) {
            pc.intExpr(c.args().getFirst());
            asm.mov(1, 0);
            asm.call("get_socket_cookie");
            return;
        }
        skbOutput(c);
    }

    /**
     * {@code bpf_skb_output(skb, perf array, LEN << 32 | current CPU, header, 32)}: the header and
     * the packet's first LEN bytes go to user space as one perf sample, which writes them to the
     * pcap file after skipping OFFSET bytes.
     */
    private void skbOutput(Expr.Call c) {
        String file = ((Expr.StrLit) c.args().getFirst()).value();
        Long offset = SemanticAnalyser.constantOf(c.args().get(3), pc.typed.params());
        int index = pc.events.addSkbOutput(new Events.SkbOutput(file, offset == null ? 0 : offset));
        int m = pc.frame.mark();
        int header = pc.frame.alloc(HEADER);
        int flags = pc.frame.alloc(8);
        asm.movImm(0, Events.SKB_OUTPUT);
        asm.store(Size.DW, asm.frameBase, header, 0);
        asm.movImm(0, index);
        asm.store(Size.DW, asm.frameBase, header + 8, 0);
        asm.call("ktime_get_ns");
        asm.store(Size.DW, asm.frameBase, header + 16, 0);
        pc.intExpr(c.args().get(2));
        asm.store(Size.DW, asm.frameBase, header + 24, 0); // the packet's length (the sample is padded)
        asm.aluImm(AluOp.LSH, 0, 32);
        asm.movImm(1, CURRENT_CPU);
        asm.alu(AluOp.OR, 0, 1);
        asm.store(Size.DW, asm.frameBase, flags, 0);
        pc.intExpr(c.args().get(1));
        asm.mov(1, 0);
        asm.loadMap(2, SKB_MAP);
        asm.load(Size.DW, 3, asm.frameBase, flags);
        asm.stackAddr(4, header);
        asm.movImm(5, HEADER);
        asm.call("skb_output");
        pc.frame.release(m);
    }

    /**
     * The map index the code names the perf event array by, which {@link Compiler} replaces by the
     * real one (after every other map, known when every program is compiled).
     */
    static final int SKB_MAP = -1;
}
