package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;

/**
 * The typing of kernel structs for the {@link SemanticAnalyser}: {@code struct NAME} resolved in
 * the kernel's BTF, fields read through pointers or embedded structs ({@code curtask->se.vruntime}),
 * bit fields, integer and char arrays, and structs shown whole as records. It records what the code
 * generator needs (each field's {@link KernelField}, struct pointees, embedded structs) in the
 * analyser's tables and reports errors through it.
 */
final class KernelStructs {
    private final SemanticAnalyser an;

    KernelStructs(SemanticAnalyser an) {
        this.an = an;
    }

    /** The BTF id of a written {@code struct NAME} or {@code union NAME}, or -1 after an error. */
    int kernelStruct(String written, Span span) {
        if (!an.kernel.available()) {
            an.error(span, "Unknown struct/union: '" + written + "' (kernel types are not available on the VM backend)");
            return -1;
        }
        if (an.kernel.btf().isEmpty()) {
            an.error(span, "Unknown struct/union: '" + written + "' (" + an.kernel.failure() + ")");
            return -1;
        }
        String name = written.substring(written.indexOf(' ') + 1).strip();
        int id = an.kernel.structId(name);
        if (id < 0) {
            an.error(span, "Unknown struct/union: '" + written + "'");
        }
        return id;
    }

    static String structName(BtfType t) {
        return t instanceof BtfType.Union u ? "union " + u.name() : "struct " + t.name();
    }

    /** Types {@code base->field} where base points to kernel struct {@code sid}. */
    Type kernelField(Expr.Field f, int sid, boolean viaPointer) {
        String sname = structName(an.kernel.type(sid));
        if (!viaPointer && f.arrow()) {
            an.error(new Span(f.span().begin(), Math.min(f.span().end(), f.base().span().end() + 2)), // with the '->', as bpftrace
                    "Can not dereference struct/union of type '" + sname + "'. It is not a pointer.");
            return Type.NONE;
        }
        // current bpftrace dereferences a pointer to a struct for '.' too ($task.comm is $task->comm)
        Optional<KernelTypes.Member> m = an.kernel.member(sid, f.field());
        if (m.isEmpty()) {
            an.error(f.span(), "Struct/union of type '" + sname + "' does not contain a field named '" + f.field() + "'");
            return Type.NONE;
        }
        KernelTypes.Member mem = m.get();
        Type result = kernelMember(f, mem, sname);
        KernelField kf = an.kernelFields.get(f);
        if (kf != null) {
            an.kernelFields.put(f, kf.inUser(userStruct(f.base())));
        }
        if (result instanceof Type.Int i && i.isPointer()) {
            result = Type.Int.pointer(i.pointee(), userStruct(f.base()));
        }
        return result;
    }

    /** The largest struct read as a whole value (a record). */
    private static final int RECORD_LIMIT = 4096;

    /** A kernel struct as a record value, or {@link Type#NONE} if it is too big or has fields bpf4j cannot show. */
    private Type recordOrNone(int sid) {
        Type.Record r = record(sid, 0);
        return r == null ? Type.NONE : r;
    }

    /** A struct or union of BTF as a record, or null. */
    Type.Record record(int sid, int depth) {
        BtfType t = an.kernel.type(sid);
        List<BtfType.Member> members;
        long size;
        switch (t) {
            case BtfType.Struct st -> {
                members = st.members();
                size = st.size();
            }
            case BtfType.Union un -> {
                members = un.members();
                size = un.size();
            }
            default -> {
                return null;
            }
        }
        if (size > RECORD_LIMIT || depth > 8) {
            return null;
        }
        List<Type.RecordField> fields = new ArrayList<>();
        for (BtfType.Member m : members) {
            if (m.bitfieldSize() != 0 || m.bitOffset() % 8 != 0 || m.name().isEmpty()) {
                return null;
            }
            int mt = an.kernel.btf().orElseThrow().skipQualifiers(m.type());
            Type ft = switch (an.kernel.type(mt)) {
                case BtfType.Int i when i.size() == 1 || i.size() == 2 || i.size() == 4 || i.size() == 8 ->
                    new Type.Int(i.size() * 8, i.signed() || (i.encoding() & BtfType.Int.CHAR) != 0 && i.size() == 1);
                case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4 || en.size() == 8 ->
                    new Type.Int(en.size() * 8, en.signed());
                case BtfType.Ptr p -> Type.Int.pointer(Type.NONE, false);
                case BtfType.Array a when an.kernel.type(a.type()) instanceof BtfType.Int e && e.size() == 1 ->
                    new Type.Str((int) a.elements());
                case BtfType.Array a when an.kernel.type(a.type()) instanceof BtfType.Int e && (e.size() == 2
                        || e.size() == 4 || e.size() == 8) -> new Type.Array(new Type.Int(e.size() * 8, e.signed()),
                        (int) a.elements());
                case BtfType.Struct x -> record(mt, depth + 1);
                case BtfType.Union x -> record(mt, depth + 1);
                default -> null;
            };
            if (ft == null) {
                return null;
            }
            fields.add(new Type.RecordField(m.name(), ft, (int) (m.bitOffset() / 8)));
        }
        return new Type.Record(structName(t), fields, (int) size);
    }

    /** Whether the struct a field is read from lies in user memory (a pointer made in a uprobe). */
    private boolean userStruct(Expr base) {
        KernelField outer = an.kernelFields.get(base);
        if (outer != null && outer.struct()) {
            return outer.user();
        }
        return an.types.get(base) instanceof Type.Int i && i.isPointer() && i.user();
    }

    private Type kernelMember(Expr.Field f, KernelTypes.Member mem, String sname) {
        BtfType ft = an.kernel.type(mem.type());
        if (mem.bitfield()) {
            int bits = mem.bitSize() != 0 ? mem.bitSize() : (int) (an.kernel.sizeOf(mem.type()) * 8);
            boolean signed = ft instanceof BtfType.Int bi ? bi.signed() : ft instanceof BtfType.Enum en && en.signed();
            int shift = (int) (mem.bitOffset() % 8);
            int bytes = (shift + bits + 7) / 8;
            if (!(ft instanceof BtfType.Int || ft instanceof BtfType.Enum) || bytes > 8) {
                an.error(f.span(), "bit field '" + f.field() + "' of '" + sname + "' is not supported by bpf4j trace yet");
                return Type.NONE;
            }
            int size = (int) an.kernel.sizeOf(mem.type());
            an.kernelFields.put(f, new KernelField(mem.bitOffset() / 8, bytes, signed, false, false, shift, bits, false));
            return new Type.Int(Math.max(8, size * 8), signed);
        }
        switch (ft) {
            case BtfType.Int i when i.size() == 1 || i.size() == 2 || i.size() == 4 || i.size() == 8 -> {
                boolean signed = i.signed() || (i.encoding() & BtfType.Int.CHAR) != 0 && i.size() == 1;
                an.kernelFields.put(f, new KernelField(mem.offset(), i.size(), signed, false, false));
                return new Type.Int(i.size() * 8, signed);
            }
            case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4 || en.size() == 8 -> {
                an.kernelFields.put(f, new KernelField(mem.offset(), en.size(), en.signed(), false, false));
                return new Type.Int(en.size() * 8, en.signed());
            }
            case BtfType.Ptr p -> {
                an.kernelFields.put(f, new KernelField(mem.offset(), 8, false, false, false));
                BtfType to = an.kernel.type(p.type());
                if (to instanceof BtfType.Struct || to instanceof BtfType.Union) {
                    an.pointees.put(f, an.kernel.btf().orElseThrow().skipQualifiers(p.type()));
                }
                Type pointee = to instanceof BtfType.Int pi && (pi.size() == 1 || pi.size() == 2 || pi.size() == 4
                        || pi.size() == 8) ? new Type.Int(pi.size() * 8, pi.signed()
                        || (pi.encoding() & BtfType.Int.CHAR) != 0 && pi.size() == 1) : Type.NONE;
                return Type.Int.pointer(pointee, false);
            }
            case BtfType.Array a when an.kernel.type(a.type()) instanceof BtfType.Int e && e.size() == 1
                    && a.elements() > 0 && a.elements() <= Builtins.STRLEN * 16 -> {
                an.kernelFields.put(f, new KernelField(mem.offset(), (int) a.elements(), false, true, false));
                return new Type.Str((int) a.elements());
            }
            case BtfType.Array a when an.kernel.type(a.type()) instanceof BtfType.Int e && (e.size() == 1 || e.size() == 2
                    || e.size() == 4 || e.size() == 8) && a.elements() > 0 && a.elements() * e.size() <= 4096 -> {
                // An integer array (a char array is a string above): [1,2,3] when printed, a[i] reads one element.
                boolean signed = e.signed();
                an.kernelFields.put(f, new KernelField(mem.offset(), (int) (a.elements() * e.size()), signed, false, false));
                return new Type.Array(new Type.Int(e.size() * 8, signed), (int) a.elements());
            }
            case BtfType.Struct st -> {
                an.kernelFields.put(f, new KernelField(mem.offset(), (int) st.size(), false, false, true));
                an.embedded.put(f, mem.type());
                return recordOrNone(mem.type());
            }
            case BtfType.Union un -> {
                an.kernelFields.put(f, new KernelField(mem.offset(), (int) un.size(), false, false, true));
                an.embedded.put(f, mem.type());
                return recordOrNone(mem.type());
            }
            default -> {
                an.error(f.span(), "field '" + f.field() + "' of '" + sname + "' (" + an.kernel.btf().orElseThrow()
                        .describe(mem.type()) + ") is not supported by bpf4j trace yet");
                return Type.NONE;
            }
        }
    }

    /** Types {@code offsetof(struct S, a.b)} and records its value. */
    Type offsetof(Expr.Offsetof o) {
        if (o.type().pointers() != 0 || o.type().arrayLength() >= 0 || !SemanticAnalyser.isStructName(o.type().name())) {
            an.error(o.span(), "offsetof() requires a struct or union type, not '" + o.type() + "'");
            return Type.UINT64;
        }
        int sid = kernelStruct(o.type().name(), o.span());
        long off = 0;
        for (int k = 0; k < o.fields().size(); k++) {
            String field = o.fields().get(k);
            if (sid < 0) {
                break;
            }
            String sname = structName(an.kernel.type(sid));
            Optional<KernelTypes.Member> m = an.kernel.member(sid, field);
            if (m.isEmpty()) {
                an.error(o.span(), "Struct/union of type '" + sname + "' does not contain a field named '" + field + "'");
                sid = -1;
                break;
            }
            if (m.get().bitfield()) {
                an.error(o.span(), "offsetof() of bit field '" + field + "' of '" + sname + "'");
                sid = -1;
                break;
            }
            off += m.get().offset();
            BtfType ft = an.kernel.type(m.get().type());
            sid = ft instanceof BtfType.Struct || ft instanceof BtfType.Union
                    ? an.kernel.btf().orElseThrow().skipQualifiers(m.get().type()) : -1;
            if (sid < 0 && k < o.fields().size() - 1) {
                an.error(o.span(), "'" + field + "' of '" + sname + "' is not a struct or union");
            }
        }
        an.constant(o, off);
        return Type.UINT64;
    }
}
