package org.bpf4j.linux.probe;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.bpf4j.Bpf4jException;

/**
 * The argument specs of a USDT call site encoded as {@code struct bpf4j_usdt_spec} of
 * {@code bpf4j_usdt.h} (a resource next to this class), which BPF programs include to read
 * USDT arguments: {@code nargs}, padding, then per argument {@code kind} (0 constant, 1 register,
 * 2 memory), the register's offset in x86_64's {@code struct pt_regs}, the constant or
 * displacement, the size and whether it is signed. Stateless.
 */
public final class UsdtSpecs {
    /** {@code BPF4J_USDT_MAX_ARGS}. */
    public static final int MAX_ARGS = 12;
    /** {@code sizeof(struct bpf4j_usdt_arg)}. */
    public static final int ARG_SIZE = 24;
    /** {@code sizeof(struct bpf4j_usdt_spec)}. */
    public static final int SPEC_SIZE = 8 + MAX_ARGS * ARG_SIZE;
    /** The name of the map of specs in {@code bpf4j_usdt.h}. */
    public static final String MAP_NAME = "bpf4j_usdt_specs";

    private UsdtSpecs() {
    }

    /**
     * Encodes a site's arguments.
     *
     * @throws Bpf4jException if it has more than {@link #MAX_ARGS} arguments, one names an
     *     unknown register, or one is indexed memory or unsupported (which the header does not read)
     */
    public static byte[] encode(UsdtProbe p) {
        if (p.arguments().size() > MAX_ARGS) {
            throw new Bpf4jException("USDT probe " + p.provider() + ":" + p.name() + " in " + p.path() + " has "
                    + p.arguments().size() + " arguments; bpf4j_usdt.h reads at most " + MAX_ARGS);
        }
        ByteBuffer b = ByteBuffer.allocate(SPEC_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, p.arguments().size());
        for (int i = 0; i < p.arguments().size(); i++) {
            UsdtArgument a = p.arguments().get(i);
            int at = 8 + i * ARG_SIZE;
            switch (a) {
                case UsdtArgument.Constant c -> {
                    b.putInt(at, 0);
                    b.putLong(at + 8, c.value());
                }
                case UsdtArgument.Register r -> {
                    b.putInt(at, 1);
                    b.putInt(at + 4, r.ptRegsOffset());
                }
                case UsdtArgument.Memory m -> {
                    b.putInt(at, 2);
                    b.putInt(at + 4, m.ptRegsOffset());
                    b.putLong(at + 8, m.offset());
                }
                case UsdtArgument.Indexed x -> throw new Bpf4jException("USDT probe " + p.provider() + ":" + p.name()
                        + " in " + p.path() + ": argument " + i + " ('" + x.text() + "') is indexed memory, which "
                        + "bpf4j_usdt.h does not read");
                case UsdtArgument.Unsupported u -> throw new Bpf4jException("USDT probe " + p.provider() + ":"
                        + p.name() + " in " + p.path() + ": argument " + i + " ('" + u.text() + "'): " + u.reason());
            }
            b.putInt(at + 16, a.size());
            b.putInt(at + 20, a.signed() ? 1 : 0);
        }
        return b.array();
    }
}
