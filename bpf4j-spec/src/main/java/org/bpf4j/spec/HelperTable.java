package org.bpf4j.spec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Parses {@code helpers.tsv} and {@code helper-variants.tsv} into {@link HelperSpec}s. */
final class HelperTable {
    private HelperTable() {
    }

    /** Parses the helper file: one line per id, {@code id name ret args flags proto [note]}. */
    static List<HelperSpec> parseHelpers(String text, String source) {
        List<HelperSpec> out = new ArrayList<>();
        for (Tsv.Line line : Tsv.parse(text, source)) {
            if (line.fields().size() < 6 || line.fields().size() > 7) {
                throw line.error("expected 6 or 7 tab-separated fields (id, name, ret, args, flags, proto, note), found "
                        + line.fields().size());
            }
            int id;
            try {
                id = Integer.parseInt(line.fields().get(0));
            } catch (NumberFormatException e) {
                throw line.error("helper id '" + line.fields().get(0) + "' is not a number");
            }
            out.add(spec(line, id, 1));
        }
        return out;
    }

    /** Parses the variants file: {@code name ret args flags proto}; {@code ids} maps names to ids. */
    static List<HelperSpec> parseVariants(String text, String source, Map<String, Integer> ids) {
        List<HelperSpec> out = new ArrayList<>();
        for (Tsv.Line line : Tsv.parse(text, source)) {
            if (line.fields().size() < 5 || line.fields().size() > 6) {
                throw line.error("expected 5 or 6 tab-separated fields (name, ret, args, flags, proto, note), found "
                        + line.fields().size());
            }
            Integer id = ids.get(line.fields().get(0));
            if (id == null) {
                throw line.error("unknown helper '" + line.fields().get(0) + "'");
            }
            out.add(spec(line, id, 0));
        }
        return out;
    }

    private static HelperSpec spec(Tsv.Line line, int id, int first) {
        List<String> f = line.fields();
        String name = f.get(first);
        Map<Integer, String> btf = new HashMap<>();
        Map<Integer, Integer> sizes = new HashMap<>();
        String[] ret = f.get(first + 1).split(":", 2);
        ReturnType retType = constant(line, ReturnType.class, ret[0]);
        if (ret.length == 2) {
            btf.put(0, ret[1]);
        }
        List<ArgType> args = new ArrayList<>();
        for (String token : Tsv.list(f.get(first + 2))) {
            String[] parts = token.split(":", 2);
            ArgType type = constant(line, ArgType.class, parts[0]);
            args.add(type);
            int argNo = args.size();
            if (parts.length == 2) {
                if (parts[1].matches("[0-9]+")) {
                    sizes.put(argNo, Integer.parseInt(parts[1]));
                } else {
                    btf.put(argNo, parts[1]);
                }
            } else if (type.fixedSize() > 0) {
                sizes.put(argNo, type.fixedSize());
            }
            if (type == ArgType.PTR_TO_FIXED_SIZE_MEM && !sizes.containsKey(argNo)) {
                throw line.error(name + ": argument " + argNo + " is PTR_TO_FIXED_SIZE_MEM without a size");
            }
        }
        Set<HelperFlag> flags = EnumSet.noneOf(HelperFlag.class);
        int released = 0;
        for (String token : Tsv.list(f.get(first + 3))) {
            String key = token;
            if (token.startsWith("release=")) {
                key = "release";
                try {
                    released = Integer.parseInt(token.substring("release=".length()));
                } catch (NumberFormatException e) {
                    throw line.error(name + ": bad flag '" + token + "'");
                }
            }
            flags.add(HelperFlag.byToken(key).orElseThrow(() -> line.error(name + ": unknown flag '" + token + "'")));
        }
        String proto = f.get(first + 4).equals("-") ? "" : f.get(first + 4);
        String note = line.field(first + 5, "");
        try {
            return new HelperSpec(id, name, retType, args, flags, released, btf, sizes, proto, note);
        } catch (IllegalArgumentException e) {
            throw line.error(e.getMessage());
        }
    }

    static <E extends Enum<E>> E constant(Tsv.Line line, Class<E> type, String token) {
        try {
            return Enum.valueOf(type, token);
        } catch (IllegalArgumentException e) {
            throw line.error("unknown " + type.getSimpleName() + " '" + token + "'");
        }
    }
}
