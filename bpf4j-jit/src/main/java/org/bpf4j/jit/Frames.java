package org.bpf4j.jit;

import java.lang.classfile.CodeBuilder;
import java.lang.classfile.Label;
import java.lang.classfile.attribute.StackMapFrameInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.SimpleVerificationTypeInfo;
import java.lang.classfile.attribute.StackMapFrameInfo.VerificationTypeInfo;
import java.lang.classfile.attribute.StackMapTableAttribute;
import java.lang.constant.ClassDesc;
import java.util.ArrayList;
import java.util.List;

/**
 * The stack map frames of a generated method, written by the compiler instead of computed by the
 * class file library (which would analyse every method again, the largest part of compile time).
 * Generated methods are built so that this is trivial: every local has one type for the whole
 * method (temporaries are initialised in the prologue) and the operand stack is empty at every
 * label, so every label gets the same frame. Each label is followed by a {@code nop}, so that no
 * two labels share an offset.
 */
final class Frames {
    static final VerificationTypeInfo LONG = SimpleVerificationTypeInfo.LONG;
    static final VerificationTypeInfo INT = SimpleVerificationTypeInfo.INTEGER;
    static final VerificationTypeInfo TOP = SimpleVerificationTypeInfo.TOP;

    static VerificationTypeInfo object(ClassDesc type) {
        return StackMapFrameInfo.ObjectVerificationTypeInfo.of(type);
    }

    private final List<VerificationTypeInfo> locals;
    private final List<Label> labels = new ArrayList<>();

    Frames(List<VerificationTypeInfo> locals) {
        this.locals = List.copyOf(locals);
    }

    /** Binds a label where the frame holds. */
    void bind(CodeBuilder cb, Label label) {
        cb.labelBinding(label);
        cb.nop();
        labels.add(label);
    }

    /** Adds the method's stack map table; call after the last instruction. */
    void write(CodeBuilder cb) {
        if (labels.isEmpty()) {
            return;
        }
        List<StackMapFrameInfo> frames = new ArrayList<>(labels.size());
        for (Label l : labels) {
            frames.add(StackMapFrameInfo.of(l, locals, List.of()));
        }
        cb.with(StackMapTableAttribute.of(frames));
    }
}
