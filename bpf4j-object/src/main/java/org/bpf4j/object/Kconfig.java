package org.bpf4j.object;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;

/**
 * Fills the {@code .kconfig} map of an object with the values of its {@code __kconfig} externs,
 * as libbpf does at load: {@code LINUX_KERNEL_VERSION} from the kernel version, {@code CONFIG_*}
 * from a kernel configuration in {@code /proc/config.gz} form ({@code CONFIG_X=y}, {@code =m},
 * {@code =n}, {@code ="text"}, {@code =123}, {@code =0x1f}).
 *
 * <p>By C type: {@code bool} takes {@code y}/{@code n}; {@code enum libbpf_tristate} and other
 * enums take {@code y} (1), {@code n} (0), {@code m} (2); {@code char} takes the letter; integers
 * take numbers (and {@code y}/{@code n} as 1/0); {@code char[N]} takes a quoted string. A missing
 * value is 0 for a {@code __weak} extern and an {@link UnresolvedSymbolException} otherwise.
 * Thread-safe (no state).
 */
public final class Kconfig {
    private Kconfig() {
    }

    /** {@code KERNEL_VERSION(a, b, c)}: {@code a << 16 | b << 8 | min(c, 255)}. */
    public static int kernelVersion(int major, int minor, int patch) {
        return major << 16 | minor << 8 | Math.min(patch, 255);
    }

    /**
     * The object with its {@code .kconfig} map filled in; the object itself if it has none.
     *
     * @param kernelVersion the value of {@code LINUX_KERNEL_VERSION}
     * @param config kernel configuration values by name ({@code "CONFIG_HZ" -> "250"})
     * @throws UnresolvedSymbolException if a non-weak extern has no value
     * @throws IllegalArgumentException if a value does not suit the extern's type
     */
    public static ObjectSpec fill(ObjectSpec object, int kernelVersion, Map<String, String> config) {
        int index = object.mapIndex(Externs.KCONFIG);
        if (index < 0) {
            return object;
        }
        MapSpec map = object.maps().get(index);
        byte[] value = new byte[map.valueSize()];
        Btf btf = object.btf().orElseThrow();
        for (ExternSpec e : object.externs()) {
            if (e.kind() != ExternSpec.Kind.KCONFIG) {
                continue;
            }
            String raw = e.name().equals("LINUX_KERNEL_VERSION") ? Integer.toUnsignedString(kernelVersion)
                    : config.get(e.name());
            if (raw == null) {
                if (e.weak()) {
                    continue;
                }
                throw new UnresolvedSymbolException(e.name(), object.name() + ": extern '" + e.name()
                        + "' (__kconfig) has no value in the kernel configuration and is not __weak");
            }
            BtfType.Var var = (BtfType.Var) btf.typeById(e.btfTypeId());
            write(object.name(), btf, var.type(), e, raw.strip(), value);
        }
        List<MapSpec> maps = new ArrayList<>(object.maps());
        maps.set(index, map.withContents(Bytes.wrap(value)));
        return new ObjectSpec(object.name(), object.programs(), maps, object.btf(), object.license(),
                object.kernelVersion(), object.externs(), object.warnings(), object.structOps());
    }

    private static void write(String object, Btf btf, int typeId, ExternSpec e, String raw, byte[] out) {
        String where = object + ": extern '" + e.name() + "' (__kconfig)";
        BtfType t = btf.resolve(typeId);
        switch (t) {
            case BtfType.Int i when (i.encoding() & BtfType.Int.BOOL) != 0 -> {
                if (!raw.equals("y") && !raw.equals("n")) {
                    throw new IllegalArgumentException(where + " is a bool and cannot take '" + raw + "'");
                }
                put(out, e.offset(), e.size(), raw.equals("y") ? 1 : 0);
            }
            case BtfType.Int i when (i.encoding() & BtfType.Int.CHAR) != 0 || (i.size() == 1 && raw.length() == 1
                    && "ynm".contains(raw)) -> {
                if (raw.length() != 1) {
                    throw new IllegalArgumentException(where + " is a char and cannot take '" + raw + "'");
                }
                put(out, e.offset(), 1, raw.charAt(0));
            }
            case BtfType.Int i -> put(out, e.offset(), e.size(), number(where, raw, i.size(), i.signed()));
            case BtfType.Enum en -> put(out, e.offset(), e.size(), tristate(where, raw));
            case BtfType.Enum64 en -> put(out, e.offset(), e.size(), tristate(where, raw));
            case BtfType.Array a when btf.resolve(a.type()) instanceof BtfType.Int c && c.size() == 1 -> {
                if (raw.length() < 2 || !raw.startsWith("\"") || !raw.endsWith("\"")) {
                    throw new IllegalArgumentException(where + " is a string and needs a quoted value, not " + raw);
                }
                byte[] s = raw.substring(1, raw.length() - 1).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                int n = (int) Math.min(s.length, Math.max(0, a.elements() - 1));
                System.arraycopy(s, 0, out, e.offset(), n);
            }
            default -> throw new IllegalArgumentException(where + " has unsupported type " + btf.describe(typeId));
        }
    }

    private static long tristate(String where, String raw) {
        return switch (raw) {
            case "y" -> 1;
            case "n" -> 0;
            case "m" -> 2;
            default -> throw new IllegalArgumentException(where + " is a tristate and cannot take '" + raw + "'");
        };
    }

    private static long number(String where, String raw, int size, boolean signed) {
        if (raw.equals("y") || raw.equals("n")) {
            return raw.equals("y") ? 1 : 0;
        }
        long v;
        try {
            v = raw.startsWith("0x") || raw.startsWith("0X") ? Long.parseUnsignedLong(raw.substring(2), 16)
                    : Long.parseLong(raw);
        } catch (NumberFormatException ex) {
            throw new IllegalArgumentException(where + " is an integer and cannot take '" + raw + "'");
        }
        if (size < 8) {
            long min = signed ? -(1L << (8 * size - 1)) : 0;
            long max = signed ? (1L << (8 * size - 1)) - 1 : (1L << (8 * size)) - 1;
            if (v < min || v > max) {
                throw new IllegalArgumentException(where + ": " + raw + " does not fit " + size + " bytes");
            }
        }
        return v;
    }

    private static void put(byte[] out, int offset, int size, long value) {
        for (int i = 0; i < size; i++) {
            out[offset + i] = (byte) (value >>> (8 * i));
        }
    }
}
