package org.bpf4j.object.btf;

/**
 * A {@code bpf_func_info} record: the function whose code starts at an instruction.
 *
 * @param slot the instruction index (an {@code lddw} counts twice) where the function starts,
 *     relative to the section in {@link BtfExt} and to the program in a program spec
 * @param typeId the BTF id of the function's {@link BtfType.Func}
 */
public record FuncInfo(int slot, int typeId) {

    /** The same record moved by {@code delta} slots. */
    public FuncInfo shift(int delta) {
        return new FuncInfo(slot + delta, typeId);
    }
}
