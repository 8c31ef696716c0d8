package org.bpf4j.object;

import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.elf.Elf;
import org.bpf4j.object.elf.ElfFile;
import org.bpf4j.object.elf.ElfSymbol;

/**
 * A global function of restricted visibility ({@code __hidden}: {@code STV_HIDDEN} or
 * {@code STV_INTERNAL}) gets static linkage in the BTF, as libbpf gives it ({@code mark_btf_static}):
 * nothing outside the object can call it, so the kernel verifies it with its caller's context, as a
 * static function, instead of once on its own from its prototype. libbpf's {@code usdt.bpf.h}
 * ({@code bpf_usdt_arg}) depends on it.
 */
final class HiddenFunctions {
    private HiddenFunctions() {
    }

    /** The BTF with the hidden global functions of {@code elf} made static; the same object if none. */
    static Btf markStatic(Btf btf, ElfFile elf) {
        Set<String> hidden = new HashSet<>();
        for (ElfSymbol s : elf.symbols()) {
            if (s.type() == Elf.STT_FUNC && s.bind() != Elf.STB_LOCAL && s.isInSection()
                    && (s.visibility() == Elf.STV_HIDDEN || s.visibility() == Elf.STV_INTERNAL)) {
                hidden.add(s.name());
            }
        }
        if (hidden.isEmpty()) {
            return btf;
        }
        Map<Integer, BtfType> fixed = new HashMap<>();
        for (int id = btf.firstOwnId(); id < btf.size(); id++) {
            if (btf.typeById(id) instanceof BtfType.Func f && f.linkage() == BtfType.Linkage.GLOBAL
                    && hidden.contains(f.name())) {
                fixed.put(id, new BtfType.Func(f.name(), f.type(), BtfType.Linkage.STATIC));
            }
        }
        return fixed.isEmpty() ? btf : btf.withTypes(fixed);
    }
}
