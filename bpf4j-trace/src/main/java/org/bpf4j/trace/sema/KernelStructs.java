package org.bpf4j.trace.sema;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.trace.Span;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.TypeName;
import org.bpf4j.trace.ast.UnOp;

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
        return kernelStruct(written, span, false);
    }

    /**
     * {@link #kernelStruct(String, Span)} for a type written in a cast or a declaration: one the
     * kernel's types lack is current bpftrace's "Cannot resolve unknown type".
     */
    int cType(String written, Span span) {
        return kernelStruct(written, span, true);
    }

    private int kernelStruct(String written, Span span, boolean asType) {
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
            an.error(span, asType ? "Cannot resolve unknown type \"" + written + "\""
                    : "Unknown struct/union: '" + written + "'");
        }
        return id;
    }

    /** A type of BTF as current bpftrace prints it ({@code struct Bar *}, {@code int32}, {@code uint8[4]}). */
    private String cTypeName(int id, int depth) {
        int resolved = an.kernel.btf().orElseThrow().skipQualifiers(id);
        BtfType t = an.kernel.type(resolved);
        return switch (t) {
            case BtfType.Ptr p when depth < 8 -> cTypeName(p.type(), depth + 1) + " *";
            case BtfType.Struct s -> structName(s);
            case BtfType.Union u -> structName(u);
            case BtfType.Int i -> (i.signed() || i.name().equals("char") ? "int" : "uint") + i.size() * 8;
            case BtfType.Enum e -> (e.signed() ? "int" : "uint") + e.size() * 8;
            case BtfType.Array a when depth < 8 -> cTypeName(a.type(), depth + 1) + "[" + a.elements() + "]";
            case BtfType.Void v -> "void";
            default -> t.name();
        };
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
            int mt = an.kernel.btf().orElseThrow().skipQualifiers(m.type());
            if (m.name().isEmpty()) {
                // an anonymous struct or union (struct qstr's { hash; len; } / hash_len): its fields
                // are the record's, as C reads them (q.len), at their place in it
                Type.Record inner = m.bitfieldSize() == 0 && m.bitOffset() % 8 == 0
                        && (an.kernel.type(mt) instanceof BtfType.Struct || an.kernel.type(mt) instanceof BtfType.Union)
                        ? record(mt, depth + 1) : null;
                if (inner == null) {
                    return null;
                }
                for (Type.RecordField f : inner.fields()) {
                    fields.add(new Type.RecordField(f.name(), f.type(), f.offset() + (int) (m.bitOffset() / 8),
                            f.bitShift(), f.bitWidth()));
                }
                continue;
            }
            if (m.bitfieldSize() != 0 || m.bitOffset() % 8 != 0) {
                // a bit field: its bits of the bytes at its first byte, as an integer of its declared type
                boolean signed = an.kernel.type(mt) instanceof BtfType.Int bi ? bi.signed()
                        : an.kernel.type(mt) instanceof BtfType.Enum en && en.signed();
                int width = m.bitfieldSize() != 0 ? m.bitfieldSize() : (int) an.kernel.sizeOf(mt) * 8;
                Type.RecordField rf = new Type.RecordField(m.name(), new Type.Int(
                        (int) Math.max(8, an.kernel.sizeOf(mt) * 8), signed), (int) (m.bitOffset() / 8),
                        (int) (m.bitOffset() % 8), width);
                if (!(an.kernel.type(mt) instanceof BtfType.Int || an.kernel.type(mt) instanceof BtfType.Enum)
                        || rf.bitShift() + width > 64 || rf.offset() + rf.loadSize() > size) {
                    return null;
                }
                fields.add(rf);
                continue;
            }
            Type ft = switch (an.kernel.type(mt)) {
                case BtfType.Int i when i.size() == 1 || i.size() == 2 || i.size() == 4 || i.size() == 8 ->
                    new Type.Int(i.size() * 8, i.signed() || (i.encoding() & BtfType.Int.CHAR) != 0 && i.size() == 1);
                case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4 || en.size() == 8 ->
                    new Type.Int(en.size() * 8, en.signed());
                case BtfType.Ptr p -> innerPointer(p, 0); // ($s.next)->f: typed as the kernel field is
                case BtfType.Array a -> arrayType(a, depth + 1, false);
                case BtfType.Struct x -> record(mt, depth + 1);
                case BtfType.Union x -> record(mt, depth + 1);
                case BtfType.Float x -> Type.NONE; // no type in bpftrace: printed null
                default -> null;
            };
            if (ft == null) {
                return null;
            }
            fields.add(new Type.RecordField(m.name(), ft, (int) (m.bitOffset() / 8)));
        }
        return new Type.Record(structName(t), fields, (int) size);
    }

    /**
     * The type of a BTF array: {@code char[N]} is a string (as bpftrace's C parser makes it; {@code
     * unsigned char}, {@code int8_t} arrays are integer arrays), other elements are integers, pointers
     * (to user memory when {@code user}), arrays or records. Null if an element cannot be shown.
     */
    Type arrayType(BtfType.Array a, int depth, boolean user) {
        int eid = an.kernel.btf().orElseThrow().skipQualifiers(a.type());
        BtfType e = an.kernel.type(eid);
        if (depth > 8) {
            return null;
        }
        if (e instanceof BtfType.Int i && i.size() == 1 && i.name().equals("char")) {
            return new Type.Str((int) a.elements());
        }
        Type element = switch (e) {
            case BtfType.Int i when i.size() == 1 || i.size() == 2 || i.size() == 4 || i.size() == 8 ->
                new Type.Int(i.size() * 8, i.signed());
            case BtfType.Enum en when en.size() == 1 || en.size() == 2 || en.size() == 4 || en.size() == 8 ->
                new Type.Int(en.size() * 8, en.signed());
            case BtfType.Ptr p -> Type.Int.pointer(an.kernel.type(p.type()) instanceof BtfType.Int pi && (pi.size() == 1
                    || pi.size() == 2 || pi.size() == 4 || pi.size() == 8) ? new Type.Int(pi.size() * 8, pi.signed()
                    || pi.name().equals("char")) : an.kernel.type(p.type()) instanceof BtfType.Struct
                    || an.kernel.type(p.type()) instanceof BtfType.Union
                    ? structRef(an.kernel.btf().orElseThrow().skipQualifiers(p.type())) : Type.NONE, user);
            case BtfType.Array inner -> arrayType(inner, depth + 1, user);
            case BtfType.Struct x -> record(eid, depth + 1);
            case BtfType.Union x -> record(eid, depth + 1);
            default -> null;
        };
        return element == null ? null : new Type.Array(element, (int) a.elements());
    }

    /**
     * The element {@code a[i]} of an array: for an array that lies in memory (a struct's field, an
     * element of an array in memory), the element is recorded as lying there too, so that only it
     * is read ({@code $c->w[4].t.b[1]} reads 4 bytes).
     */
    Type element(Expr.Index i, Type.Array arr) {
        Type el = arr.element();
        KernelField outer = an.kernelFields.get(i.base());
        if (outer == null) {
            return el;
        }
        if (el instanceof Type.Int p && p.isPointer()) {
            el = Type.Int.pointer(p.pointee(), outer.user());
        }
        an.kernelFields.put(i, new KernelField(0, el.size(), el instanceof Type.Int e && e.signed(), el instanceof Type.Str,
                el instanceof Type.Record, 0, 0, outer.user()));
        Integer sid = an.elementStructs.get(i.base());
        if (sid != null) {
            (el instanceof Type.Record ? an.embedded : an.elementStructs).put(i, sid);
        }
        return el;
    }

    /**
     * Carries the struct a pointer points to between its type ({@link Type.StructRef}, which
     * variables and maps keep) and the table of pointees the field rules read, both ways.
     */
    Type carry(Expr e, Type t) {
        if (!(t instanceof Type.Int i) || !i.isPointer() || !an.kernel.available() || an.kernel.btf().isEmpty()) {
            return t;
        }
        Integer sid = an.pointees.get(e);
        if (sid != null && i.pointee() instanceof Type.None) {
            return Type.Int.pointer(structRef(sid), i.user());
        }
        if (sid == null && i.pointee() instanceof Type.StructRef r) {
            int id = an.kernel.structId(r.name().substring(r.name().indexOf(' ') + 1));
            if (id >= 0) {
                an.pointees.put(e, id);
            }
        }
        return t;
    }

    /**
     * The type of a pointer a kernel pointer points to ({@code struct file *} for a field
     * {@code struct file **fd}): a pointer to a struct (its {@link Type.StructRef}, so that what
     * {@code *} or {@code fd[i]} reads takes {@code ->} and {@code .}), to an integer, or to
     * another pointer; as current bpftrace, which types every level from BTF.
     */
    private Type innerPointer(BtfType.Ptr p, int depth) {
        int tid = an.kernel.btf().orElseThrow().skipQualifiers(p.type());
        BtfType to = an.kernel.type(tid);
        Type pointee = switch (to) {
            case BtfType.Struct x -> structRef(tid);
            case BtfType.Union x -> structRef(tid);
            case BtfType.Int pi when pi.size() == 1 || pi.size() == 2 || pi.size() == 4 || pi.size() == 8 ->
                new Type.Int(pi.size() * 8, pi.signed() || (pi.encoding() & BtfType.Int.CHAR) != 0 && pi.size() == 1);
            case BtfType.Ptr inner when depth < 8 -> innerPointer(inner, depth + 1);
            default -> Type.NONE;
        };
        return Type.Int.pointer(pointee, false);
    }

    /** The pointee type of a pointer to struct {@code sid}. */
    Type.StructRef structRef(int sid) {
        return new Type.StructRef(structName(an.kernel.type(sid)), (int) an.kernel.sizeOf(sid));
    }

    /** The pointee type of a pointer to a written {@code struct NAME}: {@link Type#NONE} if it is not known (yet). */
    Type structRef(String written) {
        if (!an.kernel.available() || an.kernel.btf().isEmpty()) {
            return Type.NONE;
        }
        int sid = an.kernel.structId(written.substring(written.indexOf(' ') + 1).strip());
        return sid < 0 ? Type.NONE : structRef(sid);
    }

    /**
     * A character of a string, {@code $path[0]} (current bpftrace; upstream opensnoop): an
     * {@code int8}; read alone from memory for a string that lies there. Any index, as current
     * bpftrace; a literal one is checked against the string's size.
     */
    Type character(Expr.Index i, Type.Str s) {
        KernelField outer = an.kernelFields.get(i.base());
        if (i.index() instanceof Expr.IntLit lit && (lit.value() < 0 || lit.value() >= s.size())) {
            an.error(i.span(), "the index " + lit.value() + " is out of bounds for array of size " + s.size());
        }
        if (outer != null) {
            an.kernelFields.put(i, new KernelField(0, 1, true, false, false, 0, 0, outer.user()));
        }
        return new Type.Int(8, true);
    }

    /** The BTF id of the struct an array (of arrays) of structs holds, or -1. */
    int elementStruct(BtfType.Array a) {
        int eid = an.kernel.btf().orElseThrow().skipQualifiers(a.type());
        return switch (an.kernel.type(eid)) {
            case BtfType.Array inner -> elementStruct(inner);
            case BtfType.Struct x -> eid;
            case BtfType.Union x -> eid;
            default -> -1;
        };
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
                        || (pi.encoding() & BtfType.Int.CHAR) != 0 && pi.size() == 1)
                        : an.kernel.type(an.kernel.btf().orElseThrow().skipQualifiers(p.type())) instanceof BtfType.Ptr inner
                                ? innerPointer(inner, 0) : Type.NONE;
                return Type.Int.pointer(pointee, false);
            }
            case BtfType.Array a when arrayType(a, 0, userStruct(f.base())) instanceof Type t
                    && (t instanceof Type.Str ? a.elements() <= Builtins.STRLEN * 16
                            : t.size() <= RECORD_LIMIT) -> {
                // (a zero-length array, int y[0], is read at any index; a flexible char array, char
                // sa_data[] of struct sockaddr, is a string[0] as current bpftrace types it, which
                // prints empty and whose bytes buf(f, n) reads where the field lies)
                // char[N] is a string; other arrays (of integers, pointers, arrays, structs) print as [1,2,3],
                // and a[i] reads one element where the array lies
                an.kernelFields.put(f, new KernelField(mem.offset(), t.size(), t instanceof Type.Array arr
                        && arr.element() instanceof Type.Int e && e.signed(), t instanceof Type.Str, false));
                int element = elementStruct(a);
                if (element >= 0) {
                    an.elementStructs.put(f, element);
                }
                return t;
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
        TypeName type = o.type();
        if (type.typeOf() != null && type.pointers() == 0 && type.arrayLength() < 0) {
            // offsetof(typeof(struct S), f), offsetof(*$p, f): the struct the expression or type is
            Type t = type.typeOf() instanceof Expr.Unary u && u.op() == UnOp.DEREF
                    && an.type(u.operand()) instanceof Type.Int p && p.pointee() instanceof Type.StructRef r
                    ? r : an.typeOfName(type, o.span()); // *curtask: the struct it points to, never read
            String name = t instanceof Type.Record r ? r.name() : t instanceof Type.StructRef r ? r.name() : null;
            if (name == null) {
                if (!(t instanceof Type.None)) {
                    an.error(o.span(), "offsetof() requires a struct or union type, not '" + t.display() + "'");
                }
                return Type.UINT64;
            }
            type = new TypeName(name, 0, -1);
        }
        if (type.pointers() != 0 || type.arrayLength() >= 0 || !SemanticAnalyser.isStructName(type.name())) {
            an.error(o.span(), "offsetof() requires a struct or union type, not '" + type + "'");
            return Type.UINT64;
        }
        int sid = kernelStruct(type.name(), o.span());
        long off = 0;
        int fieldType = -1; // the type of the field before, when it is not a struct or union
        for (int k = 0; k < o.fields().size(); k++) {
            String field = o.fields().get(k);
            if (fieldType >= 0) {
                // current bpftrace's words, naming the type as it does
                an.error(o.span(), "'" + cTypeName(fieldType, 0) + "' is not a C type.");
                break;
            }
            if (sid < 0) {
                break;
            }
            String sname = structName(an.kernel.type(sid));
            Optional<KernelTypes.Member> m = an.kernel.member(sid, field);
            if (m.isEmpty()) {
                an.error(o.span(), "'" + sname + "' has no field named '" + field + "'");
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
            if (sid < 0) {
                fieldType = m.get().type();
            }
        }
        an.constant(o, off);
        return Type.UINT64;
    }
}
