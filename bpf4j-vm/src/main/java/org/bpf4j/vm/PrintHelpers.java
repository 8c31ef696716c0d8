package org.bpf4j.vm;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bpf4j.vm.map.Errno;

/**
 * {@code bpf_trace_printk}, {@code bpf_trace_vprintk} and {@code bpf_snprintf} over
 * {@link BpfPrintf}. Trace output goes to the environment's trace sink, cut to the kernel's
 * 1,023 characters; the helpers return what the kernel returns (the formatted length, or for
 * {@code bpf_snprintf} the length with its NUL).
 */
final class PrintHelpers {
    private PrintHelpers() {}

    /** {@code MAX_TRACE_PRINTK_VARARGS}. */
    static final int TRACE_PRINTK_ARGS = 3;

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("trace_printk", (c, fmt, size, a1, a2, a3) -> {
            byte[] f = BpfPrintf.untilNul(c.memory().read(fmt, (int) size, c.slot()));
            return f == null ? -Errno.EINVAL : trace(c, f, new long[] {a1, a2, a3});
        });
        b.add("trace_vprintk", (c, fmt, size, args, len, r5) -> {
            long[] values = varargs(c, args, len);
            if (values == null) {
                return -Errno.EINVAL;
            }
            byte[] f = BpfPrintf.untilNul(c.memory().read(fmt, (int) size, c.slot()));
            return f == null ? -Errno.EINVAL : trace(c, f, values);
        });
        b.add("snprintf", (c, str, strSize, fmt, args, len) -> {
            long[] values = varargs(c, args, len);
            if (values == null) {
                return -Errno.EINVAL;
            }
            byte[] f = c.memory().readString(fmt, 1 << 16);
            if (f == null) {
                return -Errno.EINVAL;
            }
            BpfPrintf.Result r = BpfPrintf.format(c.memory(), f, values);
            if (r.error() < 0) {
                return r.error();
            }
            int size = (int) Math.min(strSize & 0xffff_ffffL, Integer.MAX_VALUE);
            if (size > 0) {
                byte[] out = Arrays.copyOf(r.text(), Math.min(r.text().length, size - 1) + 1);
                out[out.length - 1] = 0;
                c.memory().write(str, out, c.slot());
            }
            return r.text().length + 1;
        });
        return b;
    }

    private static long[] varargs(CallContext c, long args, long len) {
        if (len % 8 != 0 || len > BpfPrintf.MAX_VARARGS * 8L || len < 0 || (len != 0 && args == 0)) {
            return null;
        }
        long[] values = new long[(int) len / 8];
        for (int i = 0; i < values.length; i++) {
            values[i] = Memory.load64(c.memory(), args + 8L * i, c.slot());
        }
        return values;
    }

    private static long trace(CallContext c, byte[] fmt, long[] args) {
        BpfPrintf.Result r = BpfPrintf.format(c.memory(), fmt, args);
        if (r.error() < 0) {
            return r.error();
        }
        byte[] text = r.text().length < BpfPrintf.MAX_BUF ? r.text() : Arrays.copyOf(r.text(), BpfPrintf.MAX_BUF - 1);
        c.environment().traceSink().accept(new String(text, StandardCharsets.ISO_8859_1));
        return r.text().length;
    }
}
