package org.bpf4j.trace.ast;

/**
 * A type as written in a cast or a declaration: {@code uint8}, {@code int64}, {@code string},
 * {@code struct task_struct *}; an array when {@code arrayLength} is not negative.
 *
 * @param name the name ({@code struct task_struct} keeps its keyword)
 * @param pointers number of {@code *}
 * @param arrayLength elements of an array type ({@code uint8[4]}), or -1
 */
public record TypeName(String name, int pointers, int arrayLength) {
    @Override
    public String toString() {
        return name + (pointers > 0 ? " " + "*".repeat(pointers) : "") + (arrayLength >= 0 ? "[" + arrayLength + "]" : "");
    }
}
