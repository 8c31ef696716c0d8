package org.bpf4j.trace.codegen;

import java.util.List;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.JumpOp;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.PossibleCpus;
import org.bpf4j.spec.MapType;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Stmt;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;

/**
 * Map reads and writes in generated code: keys built in the stack, plain values written with
 * {@code bpf_map_update_elem}, aggregations (per-CPU values) updated in place through the pointer
 * {@code bpf_map_lookup_elem} returns, or created when the key is new.
 *
 * <p>Value layouts: count, sum and hist/lhist buckets are one u64; min and max are {value, set};
 * avg and stats are {count, total}. hist and lhist keys end with the u64 bucket number. Keys and
 * other values are in their map layout ({@link MapLayout}: an int8 in 1 byte).
 */
final class Aggregations {
    private final ProbeCompiler pc;
    private final Asm asm;
    private final MapLayout layout;

    Aggregations(ProbeCompiler pc) {
        this.pc = pc;
        this.asm = pc.asm;
        this.layout = new MapLayout(pc);
    }

    /** Builds the key of a map reference in the frame, in its map layout; returns its offset. */
    int key(Expr.MapRef ref, MapInfo info) {
        int size = CompiledScript.keySize(info);
        int off = pc.frame.alloc(size);
        boolean filled = ref.keys().size() == 1 && info.keys().size() == 1
                && (info.keys().getFirst() instanceof Type.Str || info.keys().getFirst() instanceof Type.Int)
                && Type.align8(info.keySize()) == Type.align8(size);
        if (!filled) {
            pc.zero(off, Type.align8(size)); // padding, and the bucket after a histogram's key
        } // else one string (zero to its slot's end) or integer fills the key
        if (ref.keys().size() > 1 && info.keys().size() == 1 && info.keys().getFirst() instanceof Type.Tuple t) {
            // @m[a, b] on a map keyed by a tuple: the tuple's elements
            for (int i = 0; i < ref.keys().size(); i++) {
                layout.valueInto(ref.keys().get(i), t.elements().get(i), off + Type.cOffset(t, i));
            }
            return off;
        }
        if (ref.keys().size() == 1 && info.keys().size() > 1 && pc.type(ref.keys().getFirst()) instanceof Type.Tuple) {
            // @m[$t] with a tuple on a map with several keys: the keys are laid out as a tuple of them
            layout.valueInto(ref.keys().getFirst(), info.keyType(), off);
            return off;
        }
        for (int i = 0; i < ref.keys().size(); i++) {
            layout.valueInto(ref.keys().get(i), info.keys().get(i), off + info.keyOffset(i));
        }
        return off;
    }

    /** Whether an aggregation widens its value by the map's sign ({@code sum}, {@code min}, {@code max}, {@code avg}, {@code stats}). */
    private static boolean extendsBySign(Type.AggKind kind) {
        return switch (kind) {
            case SUM, MIN, MAX, AVG, STATS -> true;
            case COUNT, HIST, LHIST, TSERIES -> false;
        };
    }

    /** Builds a key from a separate key expression list ({@code delete(@m, k)}, {@code has_key}). */
    int key(Expr.MapRef ref, List<Expr> keys, MapInfo info) {
        return key(new Expr.MapRef(ref.name(), keys, ref.span()), info);
    }

    private void lookup(int map, int keyOff) {
        asm.loadMap(1, map);
        asm.stackAddr(2, keyOff);
        asm.call("map_lookup_elem");
    }

    void update(int map, int keyOff, int valOff) {
        asm.loadMap(1, map);
        asm.stackAddr(2, keyOff);
        asm.stackAddr(3, valOff);
        asm.movImm(4, 0);
        asm.call("map_update_elem");
    }

    void delete(int map, int keyOff) {
        asm.loadMap(1, map);
        asm.stackAddr(2, keyOff);
        asm.call("map_delete_elem");
    }

    /** {@code @m[k] = value}. */
    void assign(Stmt.AssignMap a) {
        MapInfo info = pc.mapInfo(a.map().name());
        int map = pc.mapIndex(a.map().name());
        if (!(info.value() instanceof Type.Agg agg)) {
            int key = key(a.map(), info);
            int val = pc.frame.alloc(CompiledScript.valueSize(info));
            if (info.value() instanceof Type.Tuple) {
                pc.zero(val, Type.align8(CompiledScript.valueSize(info))); // the bytes between elements
            }
            layout.valueInto(a.value(), info.value(), val);
            update(map, key, val);
            pc.checkHelper("map_update_elem", a.span(), false);
            return;
        }
        Expr.Call call = (Expr.Call) a.value();
        if (agg.kind() == Type.AggKind.TSERIES) {
            series(a, info, agg, call);
            return;
        }
        int x = pc.frame.alloc(8);
        if (!call.args().isEmpty()) {
            pc.intExpr(call.args().getFirst());
            if (agg.signed() && extendsBySign(agg.kind()) && pc.type(call.args().getFirst()) instanceof Type.Int i
                    && !i.signed() && !i.bool() && !i.isPointer() && i.bits() < 64) {
                // as current bpftrace: a value is widened by the sign of the map, not its own,
                // so (uint8)200 counts as -56 in a sum whose other calls made it signed
                new IntExprs(pc).narrow(new Type.Int(i.bits(), true));
            }
            asm.store(Size.DW, asm.frameBase, x, 0);
        }
        int key = key(a.map(), info);
        int val = pc.frame.alloc(16);
        if (agg.kind() == Type.AggKind.HIST || agg.kind() == Type.AggKind.LHIST) {
            asm.load(Size.DW, 0, asm.frameBase, x);
            if (agg.kind() == Type.AggKind.HIST) {
                log2(agg.bits());
            } else {
                linear(agg);
            }
            layout.storeU64(0, key + CompiledScript.keySize(info) - 8);
        }
        Asm.Label init = asm.label();
        Asm.Label end = asm.label();
        lookup(map, key);
        asm.jumpImm(JumpOp.JEQ, 0, 0, init);
        // existing element: r0 points to this CPU's value
        switch (agg.kind()) {
            case COUNT, HIST, LHIST -> addAt(0, 1);
            case SUM -> {
                asm.load(Size.DW, 1, 0, 0);
                asm.load(Size.DW, 2, asm.frameBase, x);
                asm.alu(AluOp.ADD, 1, 2);
                asm.store(Size.DW, 0, 0, 1);
            }
            case AVG, STATS -> {
                addAt(0, 1);
                asm.load(Size.DW, 1, 0, 8);
                asm.load(Size.DW, 2, asm.frameBase, x);
                asm.alu(AluOp.ADD, 1, 2);
                asm.store(Size.DW, 0, 8, 1);
            }
            case MIN, MAX -> {
                Asm.Label set = asm.label();
                asm.load(Size.DW, 1, 0, 8);
                asm.jumpImm(JumpOp.JEQ, 1, 0, set);
                asm.load(Size.DW, 1, 0, 0);
                asm.load(Size.DW, 2, asm.frameBase, x);
                JumpOp keep = agg.kind() == Type.AggKind.MIN ? (agg.signed() ? JumpOp.JSLE : JumpOp.JLE)
                        : (agg.signed() ? JumpOp.JSGE : JumpOp.JGE);
                asm.jump(keep, 1, 2, end);
                asm.bind(set);
                asm.load(Size.DW, 2, asm.frameBase, x);
                asm.store(Size.DW, 0, 0, 2);
                asm.storeImm(Size.DW, 0, 8, 1);
            }
        }
        asm.jump(end);
        asm.bind(init);
        switch (agg.kind()) {
            case COUNT, HIST, LHIST -> asm.storeImm(Size.DW, asm.frameBase, val, 1);
            case SUM -> copyX(x, val);
            case MIN, MAX -> {
                copyX(x, val);
                asm.storeImm(Size.DW, asm.frameBase, val + 8, 1);
            }
            case AVG, STATS -> {
                asm.storeImm(Size.DW, asm.frameBase, val, 1);
                copyX(x, val + 8);
            }
        }
        update(map, key, val);
        pc.checkHelper("map_update_elem", a.span(), false);
        asm.bind(end);
    }

    /**
     * {@code @m[k] = tseries(n, interval, intervals[, reduce])}: the time's interval number (its epoch)
     * picks the bucket {@code epoch % intervals}, the last u64 of the key; the bucket's value is
     * {value, meta, epoch}: the last value and its time, or the sum (avg: and the count), or the
     * minimum/maximum (meta 1 once set). A bucket that held an older epoch starts again.
     */
    private void series(Stmt.AssignMap a, MapInfo info, Type.Agg agg, Expr.Call call) {
        Type.Series series = agg.series();
        int map = pc.mapIndex(a.map().name());
        int x = pc.frame.alloc(8);
        int now = pc.frame.alloc(8);
        int epoch = pc.frame.alloc(8);
        pc.intExpr(call.args().getFirst());
        asm.store(Size.DW, asm.frameBase, x, 0);
        String dummy = pc.typed.settings().dummyTsMap();
        if (!dummy.isEmpty() && pc.typed.maps().containsKey(dummy)) {
            readInt(new Expr.MapRef(dummy, List.of(), call.span()));
        } else {
            asm.call("ktime_get_tai_ns");
        }
        asm.store(Size.DW, asm.frameBase, now, 0);
        asm.movImm(1, series.intervalNs());
        asm.alu(AluOp.DIV, 0, 1);
        asm.store(Size.DW, asm.frameBase, epoch, 0);
        int key = key(a.map(), info);
        asm.load(Size.DW, 0, asm.frameBase, epoch);
        asm.movImm(1, series.intervals());
        asm.alu(AluOp.MOD, 0, 1);
        layout.storeU64(0, key + CompiledScript.keySize(info) - 8);
        int val = pc.frame.alloc(24);
        Asm.Label init = asm.label();
        Asm.Label end = asm.label();
        lookup(map, key);
        asm.jumpImm(JumpOp.JEQ, 0, 0, init);
        if (!series.reduce().isEmpty()) {
            Asm.Label same = asm.label();
            asm.load(Size.DW, 1, 0, 16);
            asm.load(Size.DW, 2, asm.frameBase, epoch);
            asm.jump(JumpOp.JEQ, 1, 2, same);
            asm.storeImm(Size.DW, 0, 0, 0);
            asm.storeImm(Size.DW, 0, 8, 0);
            asm.bind(same);
        }
        seriesUpdate(0, 0, series.reduce(), agg.signed(), x, now, epoch);
        asm.jump(end);
        asm.bind(init);
        asm.storeImm(Size.DW, asm.frameBase, val, 0);
        asm.storeImm(Size.DW, asm.frameBase, val + 8, 0);
        seriesUpdate(asm.frameBase, val, series.reduce(), agg.signed(), x, now, epoch);
        update(map, key, val);
        pc.checkHelper("map_update_elem", a.span(), false);
        asm.bind(end);
    }

    /** Updates the tseries bucket at {@code [base + off]} with the value at stack slot {@code x}. */
    private void seriesUpdate(int base, int off, String reduce, boolean signed, int x, int now, int epoch) {
        asm.load(Size.DW, 2, asm.frameBase, x);
        switch (reduce) {
            case "sum", "avg" -> {
                asm.load(Size.DW, 1, base, off);
                asm.alu(AluOp.ADD, 1, 2);
                asm.store(Size.DW, base, off, 1);
                if (reduce.equals("avg")) {
                    asm.load(Size.DW, 1, base, off + 8);
                    asm.aluImm(AluOp.ADD, 1, 1);
                    asm.store(Size.DW, base, off + 8, 1);
                }
            }
            case "min", "max" -> {
                Asm.Label set = asm.label();
                Asm.Label done = asm.label();
                asm.load(Size.DW, 1, base, off + 8);
                asm.jumpImm(JumpOp.JEQ, 1, 0, set);
                asm.load(Size.DW, 1, base, off);
                JumpOp keep = reduce.equals("min") ? (signed ? JumpOp.JSLE : JumpOp.JLE)
                        : (signed ? JumpOp.JSGE : JumpOp.JGE);
                asm.jump(keep, 1, 2, done);
                asm.bind(set);
                asm.store(Size.DW, base, off, 2);
                asm.bind(done);
                asm.storeImm(Size.DW, base, off + 8, 1);
            }
            default -> {
                asm.store(Size.DW, base, off, 2);
                asm.load(Size.DW, 1, asm.frameBase, now);
                asm.store(Size.DW, base, off + 8, 1);
            }
        }
        asm.load(Size.DW, 1, asm.frameBase, epoch);
        asm.store(Size.DW, base, off + 16, 1);
    }

    private void copyX(int x, int to) {
        asm.load(Size.DW, 1, asm.frameBase, x);
        asm.store(Size.DW, asm.frameBase, to, 1);
    }

    private void addAt(int off, int delta) {
        asm.load(Size.DW, 1, 0, off);
        asm.aluImm(AluOp.ADD, 1, delta);
        asm.store(Size.DW, 0, off, 1);
    }

    /**
     * r0 = the hist bucket of r0 with {@code k} bits (2^k buckets per power of 2), as current
     * bpftrace numbers them: 0 for negatives, n + 1 for n below 2^k, else with l = floor(log2(n)) - k
     * and x the k bits after the leading 1, ((l + 1) << k) + x + 1 (k = 0: 1 for 0, floor(log2(n)) + 2).
     */
    private void log2(int k) {
        Asm.Label negative = asm.label();
        Asm.Label small = asm.label();
        Asm.Label end = asm.label();
        long mask = (1L << k) - 1;
        asm.jumpImm(JumpOp.JSLT, 0, 0, negative);
        asm.jumpImm(JumpOp.JLE, 0, (int) mask, small);
        if (k > 0) {
            asm.mov(3, 0);
        }
        asm.movImm(1, 0);
        for (int shift : new int[] {32, 16, 8, 4, 2, 1}) {
            Asm.Label skip = asm.label();
            asm.movImm(2, 1L << shift);
            asm.jump(JumpOp.JLT, 0, 2, skip);
            asm.aluImm(AluOp.RSH, 0, shift);
            asm.aluImm(AluOp.ADD, 1, shift);
            asm.bind(skip);
        }
        // r1 = floor(log2(n)) >= k; r3 = n
        if (k == 0) {
            asm.mov(0, 1); // floor(log2(n)) + 2
            asm.aluImm(AluOp.ADD, 0, 2);
        } else {
            asm.aluImm(AluOp.SUB, 1, k);
            asm.alu(AluOp.RSH, 3, 1);
            asm.aluImm(AluOp.AND, 3, (int) mask);
            asm.aluImm(AluOp.ADD, 1, 1);
            asm.aluImm(AluOp.LSH, 1, k);
            asm.alu(AluOp.ADD, 1, 3);
            asm.aluImm(AluOp.ADD, 1, 1);
            asm.mov(0, 1);
        }
        asm.jump(end);
        asm.bind(small);
        asm.aluImm(AluOp.ADD, 0, 1);
        asm.jump(end);
        asm.bind(negative);
        asm.movImm(0, 0);
        asm.bind(end);
    }

    /** r0 = lhist bucket of r0: 0 below min, (max - min) / step + 1 at or above max. */
    private void linear(Type.Agg agg) {
        Asm.Label below = asm.label();
        Asm.Label above = asm.label();
        Asm.Label end = asm.label();
        asm.movImm(1, agg.lhistMin());
        asm.jump(JumpOp.JSLT, 0, 1, below);
        asm.movImm(1, agg.lhistMax());
        asm.jump(JumpOp.JSGE, 0, 1, above);
        asm.movImm(1, agg.lhistMin());
        asm.alu(AluOp.SUB, 0, 1);
        asm.movImm(1, agg.lhistStep());
        asm.alu(AluOp.DIV, 0, 1);
        asm.aluImm(AluOp.ADD, 0, 1);
        asm.jump(end);
        asm.bind(below);
        asm.movImm(0, 0);
        asm.jump(end);
        asm.bind(above);
        asm.movImm(0, (agg.lhistMax() - agg.lhistMin()) / agg.lhistStep() + 1);
        asm.bind(end);
    }

    /**
     * Reads an integer map value into r0 (0 if the key is absent); an aggregation of a per-CPU hash
     * (count, sum, min, max, avg) as all CPUs hold it together, as current bpftrace reads it.
     */
    void readInt(Expr.MapRef ref) {
        MapInfo info = pc.mapInfo(ref.name());
        if (info.value() instanceof Type.Agg agg && info.mapType() == MapType.PERCPU_HASH) {
            readAcrossCpus(ref, info, agg);
            return;
        }
        int m = pc.frame.mark();
        int key = key(ref, info);
        pc.frame.release(m);
        Asm.Label end = asm.label();
        lookup(pc.mapIndex(ref.name()), key);
        pc.checkHelper("map_lookup_elem", ref.span(), true);
        asm.jumpImm(JumpOp.JEQ, 0, 0, end);
        if (info.value() instanceof Type.Agg agg && agg.kind() == Type.AggKind.AVG) {
            asm.load(Size.DW, 1, 0, 0);
            asm.load(Size.DW, 0, 0, 8);
            if (agg.signed()) {
                // a signed average truncates toward zero: -(-sum / count) for a negative sum
                Asm.Label positive = asm.label();
                asm.jumpImm(JumpOp.JSGE, 0, 0, positive);
                asm.aluImm(AluOp.MUL, 0, -1);
                asm.alu(AluOp.DIV, 0, 1);
                asm.aluImm(AluOp.MUL, 0, -1);
                asm.jump(end);
                asm.bind(positive);
            }
            asm.alu(AluOp.DIV, 0, 1);
        } else if (info.value() instanceof Type.Int t) {
            layout.load(t, 0, 0, 0); // an int8 value: its byte, sign-extended
        } else {
            asm.load(Size.DW, 0, 0, 0);
        }
        asm.bind(end);
    }

    /**
     * r0 = the aggregation of {@code @m[k]} over every possible CPU's element (looked up with
     * {@code bpf_map_lookup_percpu_elem}, one step per CPU, the steps written out): counts and sums
     * added, the least or greatest of the CPUs' minimums or maximums that are set, an average of the
     * sums over the counts. 0 if the key is absent (no element for the first CPU); the steps end at
     * the first CPU without an element (fewer CPUs than this machine's on the VM).
     */
    private void readAcrossCpus(Expr.MapRef ref, MapInfo info, Type.Agg agg) {
        int m = pc.frame.mark();
        int key = key(ref, info);
        int acc = pc.frame.alloc(8); // count, sum, avg's sum; min's or max's value
        int acc2 = pc.frame.alloc(8); // avg's count; whether min's or max's value is set
        asm.storeImm(Size.DW, asm.frameBase, acc, 0);
        asm.storeImm(Size.DW, asm.frameBase, acc2, 0);
        Asm.Label done = asm.label();
        int cpus = PossibleCpus.count();
        for (int cpu = 0; cpu < cpus; cpu++) {
            asm.loadMap(1, pc.mapIndex(ref.name()));
            asm.stackAddr(2, key);
            asm.movImm(3, cpu);
            asm.call("map_lookup_percpu_elem");
            if (cpu == 0) {
                pc.checkHelper("map_lookup_percpu_elem", ref.span(), true);
            }
            asm.jumpImm(JumpOp.JEQ, 0, 0, done);
            switch (agg.kind()) {
                case COUNT, SUM -> addTo(acc, 0);
                case AVG -> {
                    addTo(acc, 8);
                    addTo(acc2, 0);
                }
                case MIN, MAX -> {
                    Asm.Label next = asm.label();
                    Asm.Label take = asm.label();
                    asm.load(Size.DW, 1, 0, 8);
                    asm.jumpImm(JumpOp.JEQ, 1, 0, next); // this CPU's is not set
                    asm.load(Size.DW, 1, 0, 0);
                    asm.load(Size.DW, 2, asm.frameBase, acc2);
                    asm.jumpImm(JumpOp.JEQ, 2, 0, take);
                    asm.load(Size.DW, 2, asm.frameBase, acc);
                    JumpOp keep = agg.kind() == Type.AggKind.MIN ? (agg.signed() ? JumpOp.JSGE : JumpOp.JGE)
                            : (agg.signed() ? JumpOp.JSLE : JumpOp.JLE);
                    asm.jump(keep, 1, 2, next);
                    asm.bind(take);
                    asm.store(Size.DW, asm.frameBase, acc, 1);
                    asm.storeImm(Size.DW, asm.frameBase, acc2, 1);
                    asm.bind(next);
                }
                default -> throw new IllegalStateException(agg.display() + " is not read as an integer");
            }
        }
        asm.bind(done);
        asm.load(Size.DW, 0, asm.frameBase, acc);
        if (agg.kind() == Type.AggKind.AVG) {
            Asm.Label end = asm.label();
            asm.load(Size.DW, 1, asm.frameBase, acc2);
            if (agg.signed()) {
                // a signed average truncates toward zero: -(-sum / count) for a negative sum
                Asm.Label positive = asm.label();
                asm.jumpImm(JumpOp.JSGE, 0, 0, positive);
                asm.aluImm(AluOp.MUL, 0, -1);
                asm.alu(AluOp.DIV, 0, 1);
                asm.aluImm(AluOp.MUL, 0, -1);
                asm.jump(end);
                asm.bind(positive);
            }
            asm.alu(AluOp.DIV, 0, 1);
            asm.bind(end);
        }
        pc.frame.release(m);
    }

    /** Adds the 8 bytes at {@code r0 + off} to the stack slot {@code slot}. */
    private void addTo(int slot, int off) {
        asm.load(Size.DW, 1, 0, off);
        asm.load(Size.DW, 2, asm.frameBase, slot);
        asm.alu(AluOp.ADD, 2, 1);
        asm.store(Size.DW, asm.frameBase, slot, 2);
    }

    /**
     * Copies a map value into the stack at {@code off}, in the frame's layout of {@code size} bytes
     * (zeros if absent).
     */
    void readInto(Expr.MapRef ref, int off, int size) {
        MapInfo info = pc.mapInfo(ref.name());
        int m = pc.frame.mark();
        int key = key(ref, info);
        pc.frame.release(m);
        Asm.Label absent = asm.label();
        Asm.Label end = asm.label();
        lookup(pc.mapIndex(ref.name()), key);
        pc.checkHelper("map_lookup_elem", ref.span(), true);
        asm.jumpImm(JumpOp.JEQ, 0, 0, absent);
        if (info.value() instanceof Type.Agg) {
            pc.copy(0, 0, off, size);
        } else {
            layout.unpack(info.value(), 0, 0, off);
        }
        asm.jump(end);
        asm.bind(absent);
        pc.zero(off, size);
        asm.bind(end);
    }

    /** {@code @m[k]++} and friends: the new or old value in r0. */
    void incDec(Expr.MapRef ref, int delta, boolean prefix) {
        MapInfo info = pc.mapInfo(ref.name());
        Type.Int t = info.value() instanceof Type.Int i ? i : Type.INT64;
        int map = pc.mapIndex(ref.name());
        int m = pc.frame.mark();
        int key = key(ref, info);
        int val = pc.frame.alloc(8);
        int old = pc.frame.alloc(8);
        Asm.Label absent = asm.label();
        lookup(map, key);
        asm.movImm(3, 0);
        asm.jumpImm(JumpOp.JEQ, 0, 0, absent);
        layout.load(t, 3, 0, 0);
        asm.bind(absent);
        asm.store(Size.DW, asm.frameBase, old, 3);
        asm.mov(0, 3);
        asm.aluImm(AluOp.ADD, 0, delta);
        new IntExprs(pc).narrow(t); // the value as the map holds it
        asm.store(Size.DW, asm.frameBase, val, 0); // its low bytes are the map's value
        update(map, key, val);
        pc.checkHelper("map_update_elem", ref.span(), false);
        asm.load(Size.DW, 0, asm.frameBase, prefix ? val : old);
        pc.frame.release(m);
    }

    /** {@code has_key}: r0 = 1 if the key is present. */
    void hasKey(Expr.MapRef ref, List<Expr> keys) {
        MapInfo info = pc.mapInfo(ref.name());
        int m = pc.frame.mark();
        int key = key(ref, keys, info);
        pc.frame.release(m);
        lookup(pc.mapIndex(ref.name()), key);
        Asm.Label end = asm.label();
        asm.jumpImm(JumpOp.JEQ, 0, 0, end);
        asm.movImm(0, 1);
        asm.bind(end);
    }
}
