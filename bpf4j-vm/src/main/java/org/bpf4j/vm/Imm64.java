package org.bpf4j.vm;

import java.util.List;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.isa.Instruction;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapException;

/**
 * What a 64-bit immediate load produces in the VM, the one definition the interpreter's lowering
 * and the JIT share: a constant, a code address, a map handle, or a pointer into an array map's
 * values. Loads the VM cannot give a value are refused at load time with the instruction index.
 */
public final class Imm64 {
    private Imm64() {}

    /**
     * The value of the {@code lddw} at {@code slot} for a program loaded with {@code maps}.
     *
     * @throws UnsupportedFeatureException for a missing map, a map without direct value access, or
     *     a BTF variable address
     */
    public static long value(Instruction.LoadImm64 l, int slot, List<BpfMap> maps) {
        return switch (l.kind()) {
            case IMM64 -> l.value();
            case CODE_ADDRESS -> Memory.address(Memory.CODE_REGION, slot + 1 + l.imm());
            case MAP_BY_FD, MAP_BY_INDEX -> map(maps, l, slot).handle();
            case MAP_VALUE_BY_FD, MAP_VALUE_BY_INDEX -> {
                try {
                    yield map(maps, l, slot).valueAddress(l.nextImm());
                } catch (MapException e) {
                    throw new UnsupportedFeatureException("instruction " + slot + ": " + e.getMessage());
                }
            }
            case VARIABLE_ADDRESS -> throw new UnsupportedFeatureException("instruction " + slot
                    + ": lddw of a BTF variable address (var_addr) is not supported by the VM");
        };
    }

    private static BpfMap map(List<BpfMap> maps, Instruction.LoadImm64 l, int slot) {
        if (l.imm() < 0 || l.imm() >= maps.size()) {
            throw new UnsupportedFeatureException("instruction " + slot + ": lddw of map " + l.imm()
                    + ", but the program was loaded with " + maps.size() + " map" + (maps.size() == 1 ? "" : "s"));
        }
        return maps.get(l.imm());
    }
}
