package org.bpf4j.trace.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.bpf4j.linux.btf.BtfEncoder;
import org.bpf4j.object.btf.BtfType;

/**
 * The BTF function information the kernel needs to load a program with callbacks (the body of a
 * {@code for ($kv : @m)} loop given to {@code bpf_for_each_map_elem}): one {@code FUNC} per
 * subprogram, whose first instruction is found from the program's {@code BPF_PSEUDO_FUNC} loads
 * and {@code BPF_PSEUDO_CALL} calls. The functions are static, every argument a {@code void *}
 * and the result a {@code long}: the verifier checks static functions by their code, not by
 * these prototypes.
 *
 * @param btf the encoded BTF to load with {@code BPF_BTF_LOAD}
 * @param funcInfo the {@code bpf_func_info} records: instruction offset and {@code FUNC} type id
 */
record ProgramBtf(byte[] btf, byte[] funcInfo) {
    private static final int LD_IMM64 = 0x18;
    private static final int CALL = 0x85;
    private static final int PSEUDO_CALL = 1;
    private static final int PSEUDO_FUNC = 4;
    /** Arguments of a callback ({@code bpf_for_each_map_elem}'s: map, key, value, context). */
    private static final int CALLBACK_ARGS = 4;

    /** The function information of a program's encoded instructions, or null if it has no subprogram. */
    static ProgramBtf of(byte[] insns, String name) {
        ByteBuffer b = ByteBuffer.wrap(insns).order(ByteOrder.LITTLE_ENDIAN);
        int n = insns.length / 8;
        TreeSet<Integer> starts = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            int op = b.get(i * 8) & 0xff;
            int src = (b.get(i * 8 + 1) & 0xff) >>> 4;
            int imm = b.getInt(i * 8 + 4);
            if (op == LD_IMM64 && src == PSEUDO_FUNC || op == CALL && src == PSEUDO_CALL) {
                int target = i + imm + 1;
                if (target > 0 && target < n) {
                    starts.add(target);
                }
            }
            if (op == LD_IMM64) {
                i++; // its second slot
            }
        }
        if (starts.isEmpty()) {
            return null;
        }
        // [1] long, [2] void *, [3] long main(void *ctx), [4] long cb(void *, void *, void *, void *),
        // then one FUNC per subprogram
        List<BtfType> types = new ArrayList<>();
        types.add(new BtfType.Void());
        types.add(new BtfType.Int("long", 8, BtfType.Int.SIGNED, 0, 64));
        types.add(new BtfType.Ptr("", 0));
        types.add(new BtfType.FuncProto("", 1, List.of(new BtfType.Param("ctx", 2))));
        List<BtfType.Param> params = new ArrayList<>();
        for (int i = 0; i < CALLBACK_ARGS; i++) {
            params.add(new BtfType.Param("arg" + i, 2));
        }
        types.add(new BtfType.FuncProto("", 1, params));
        ByteBuffer info = ByteBuffer.allocate(8 * (starts.size() + 1)).order(ByteOrder.LITTLE_ENDIAN);
        info.putInt(0).putInt(types.size());
        types.add(new BtfType.Func(funcName(name), 3, BtfType.Linkage.STATIC));
        int k = 0;
        for (int start : starts) {
            info.putInt(start).putInt(types.size());
            types.add(new BtfType.Func("callback_" + k++, 4, BtfType.Linkage.STATIC));
        }
        return new ProgramBtf(BtfEncoder.encode(types, List.of()).bytes(), info.array());
    }

    /** A C identifier for the program's function (BTF names must be identifiers). */
    private static String funcName(String name) {
        String s = name.replaceAll("[^A-Za-z0-9_]", "_");
        return s.isEmpty() || Character.isDigit(s.charAt(0)) ? "prog_" + s : s;
    }
}
