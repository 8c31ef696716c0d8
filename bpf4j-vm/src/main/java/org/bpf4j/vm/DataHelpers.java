package org.bpf4j.vm;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import org.bpf4j.vm.map.Errno;

/**
 * Helpers over bytes: the probe reads, {@code bpf_strncmp}, {@code bpf_strtol},
 * {@code bpf_strtoul} and {@code bpf_csum_diff} (as Linux 6.13 and later compute it), plus {@code bpf_jiffies64} and
 * {@code bpf_get_numa_node_id}, each with the kernel's argument checks and return values.
 *
 * <p>A probe read sees the program's own memory and the environment's {@link AddressSpace}; a read
 * of anything else zero-fills the destination and returns {@code -EFAULT}, as in Linux.
 */
final class DataHelpers {
    private DataHelpers() {}

    static final int EFAULT = 14, ERANGE = 34;
    /** {@code BPF_STRTOX_BASE_MASK}. */
    static final long STRTOX_BASE_MASK = 0x1f;
    /** Jiffies per second of the VM's {@code bpf_jiffies64} (CONFIG_HZ=250, Debian's). */
    static final long HZ = 250;

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        Helper read = (c, dst, size, src, r4, r5) -> probeRead(c, dst, size, src);
        b.add("probe_read", (c, dst, size, src, r4, r5) -> kernelAddress(src) ? kernelRead(c, dst, size, src)
                : probeRead(c, dst, size, src)); // x86-64: user addresses are read as user memory
        b.add("probe_read_kernel", (c, dst, size, src, r4, r5) -> kernelRead(c, dst, size, src));
        b.add("probe_read_user", read);
        b.add("copy_from_user", read); // sleepable; the same contract: zero-filled and -EFAULT on a fault
        Helper readStr = (c, dst, size, src, r4, r5) -> probeReadString(c, dst, size, src);
        b.add("probe_read_str", (c, dst, size, src, r4, r5) -> kernelAddress(src)
                ? kernelReadString(c, dst, size, src) : probeReadString(c, dst, size, src));
        b.add("probe_read_kernel_str", (c, dst, size, src, r4, r5) -> kernelReadString(c, dst, size, src));
        b.add("probe_read_user_str", readStr);
        b.add("strncmp", (c, s1, size, s2, r4, r5) -> {
            // the size is the program's: one that does not fit an array traps on the first buffer
            byte[] a = c.memory().read(s1, (int) Math.max(-1, Math.min(size, Integer.MAX_VALUE - 1L)), c.slot());
            byte[] bs = c.memory().readString(s2, a.length + 1);
            if (bs == null) {
                throw new VmTrapException(VmTrapException.Kind.MEMORY, c.slot(), "bpf_strncmp: R3 = "
                        + Memory.hex(s2) + " is not a readable string");
            }
            for (int i = 0; i < a.length; i++) {
                int x = a[i] & 0xff;
                int y = i < bs.length ? bs[i] & 0xff : 0;
                if (x != y) {
                    return x < y ? -1 : 1;
                }
                if (x == 0) {
                    return 0;
                }
            }
            return 0;
        });
        b.add("strtol", (c, buf, len, flags, res, r5) -> strtox(c, buf, len, flags, res, true));
        b.add("strtoul", (c, buf, len, flags, res, r5) -> strtox(c, buf, len, flags, res, false));
        b.add("csum_diff", (c, from, fromSize, to, toSize, seed) -> {
            // As Linux computes it since 6.13 on every architecture (the oracle here runs 6.18):
            // any sizes, the result folded to 16 bits. Linux 6.12 wanted multiples of 4 and, on
            // x86-64, returned the 32-bit partial sum.
            if (fromSize < 0 || toSize < 0 || fromSize > 0xffff || toSize > 0xffff) {
                return -Errno.EINVAL;
            }
            byte[] f = fromSize == 0 ? new byte[0] : c.memory().read(from, (int) fromSize, c.slot());
            byte[] t = toSize == 0 ? new byte[0] : c.memory().read(to, (int) toSize, c.slot());
            int s = (int) seed;
            int sum;
            if (f.length > 0 && t.length > 0) {
                sum = Checksums.sub(Checksums.partial(t, s), Checksums.partial(f, 0));
            } else if (t.length > 0) {
                sum = Checksums.partial(t, s);
            } else if (f.length > 0) {
                sum = ~Checksums.partial(f, ~s);
            } else {
                sum = s;
            }
            return Checksums.from32to16(sum);
        });
        b.add("jiffies64", (c, r1, r2, r3, r4, r5) -> c.environment().monotonicNanos().getAsLong() / (1_000_000_000L / HZ));
        b.add("get_numa_node_id", (c, r1, r2, r3, r4, r5) -> 0);
        return b;
    }


    /** {@code TASK_SIZE_MAX + PAGE_SIZE} on x86-64 with 4-level paging, and the vsyscall page. */
    static final long USER_END = 0x0000_8000_0000_0000L, VSYSCALL = 0xffff_ffff_ff60_0000L;

    /** At or above the user range on x86-64: the legacy probe reads read it as kernel memory. */
    static boolean kernelAddress(long addr) {
        return Long.compareUnsigned(addr, USER_END - 4096) >= 0;
    }

    /**
     * x86-64's {@code copy_from_kernel_nofault_allowed}: a canonical kernel address (48-bit) that is
     * not the vsyscall page. The program's own memory stands for kernel memory and is always allowed.
     */
    private static boolean kernelReadAllowed(CallContext c, long addr, long size) {
        if (c.memory().readable(addr, (int) Math.min(Math.max(size, 1), Integer.MAX_VALUE))) {
            return true;
        }
        return Long.compareUnsigned(addr, 0xffff_8000_0000_0000L) >= 0 && (addr & ~0xfffL) != VSYSCALL;
    }

    /** {@code bpf_probe_read_kernel}: as {@link #probeRead}, but {@code -ERANGE} for user addresses. */
    private static long kernelRead(CallContext c, long dst, long size, long src) {
        if (!kernelReadAllowed(c, src, size)) {
            c.memory().fill(dst, size, (byte) 0, c.slot());
            return -ERANGE;
        }
        return probeRead(c, dst, size, src);
    }

    /** {@code bpf_probe_read_kernel_str}: as {@link #probeReadString}, but {@code -ERANGE} for user addresses. */
    private static long kernelReadString(CallContext c, long dst, long size, long src) {
        if (size > 0 && !kernelReadAllowed(c, src, 1)) {
            c.memory().fill(dst, size, (byte) 0, c.slot());
            return -ERANGE;
        }
        return probeReadString(c, dst, size, src);
    }

    /** The bytes at an unsafe address: program memory first, then the host's address space. */
    private static Optional<byte[]> unsafeRead(CallContext c, long addr, int size) {
        if (c.memory().readable(addr, size)) {
            return Optional.of(c.memory().read(addr, size, c.slot()));
        }
        return c.environment().addressSpace().read(addr, size);
    }

    private static long probeRead(CallContext c, long dst, long size, long src) {
        // The destination is checked before anything is read or allocated: size is the program's.
        c.memory().fill(dst, size, (byte) 0, c.slot());
        Optional<byte[]> bytes = unsafeRead(c, src, (int) size);
        if (bytes.isEmpty()) {
            return -EFAULT;
        }
        c.memory().write(dst, bytes.get(), c.slot());
        return 0;
    }

    private static long probeReadString(CallContext c, long dst, long size, long src) {
        if (size <= 0) {
            return size == 0 ? 0 : -Errno.EINVAL;
        }
        if (!c.memory().readable(dst, (int) Math.min(size, Integer.MAX_VALUE)) || size > Integer.MAX_VALUE) {
            c.memory().fill(dst, size, (byte) 0, c.slot()); // traps with the destination's address
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean fault = false;
        for (long i = 0; i < size - 1; i++) {
            Optional<byte[]> b = unsafeRead(c, src + i, 1);
            if (b.isEmpty()) {
                fault = true;
                break;
            }
            if (b.get()[0] == 0) {
                break;
            }
            out.write(b.get()[0]);
        }
        if (fault) {
            c.memory().fill(dst, size, (byte) 0, c.slot());
            return -EFAULT;
        }
        out.write(0);
        c.memory().write(dst, out.toByteArray(), c.slot());
        return out.size();
    }

    /** {@code bpf_strtol}/{@code bpf_strtoul}: the characters consumed, or a negative error. */
    private static long strtox(CallContext c, long buf, long len, long flags, long res, boolean signed) {
        Memory.store64(c.memory(), res, 0, c.slot());
        long base = flags & STRTOX_BASE_MASK;
        if (len <= 0 || (base != 0 && base != 8 && base != 10 && base != 16) || (flags & ~STRTOX_BASE_MASK) != 0) {
            return -Errno.EINVAL;
        }
        byte[] s = c.memory().read(buf, (int) Math.min(len, Integer.MAX_VALUE), c.slot());
        int i = 0;
        while (i < s.length && isSpace(s[i])) {
            i++;
        }
        boolean negative = i < s.length && s[i] == '-';
        if (negative) {
            i++;
        }
        if (i == s.length) {
            return -Errno.EINVAL;
        }
        int end = Math.min(s.length, i + 63); // the kernel parses a 63-character copy
        int radix = (int) base;
        if (radix == 0) {
            radix = at(s, i, end) == '0' ? (lower(at(s, i + 1, end)) == 'x' && isHex(at(s, i + 2, end)) ? 16 : 8) : 10;
        }
        if (radix == 16 && at(s, i, end) == '0' && lower(at(s, i + 1, end)) == 'x') {
            i += 2;
        }
        long value = 0;
        int digits = 0;
        boolean overflow = false;
        while (i < end) {
            int d = Character.digit(s[i], radix);
            if (d < 0) {
                break;
            }
            long next = value * radix + d;
            if (Long.compareUnsigned(value, Long.divideUnsigned(-1L - d, radix)) > 0) {
                overflow = true;
            }
            value = next;
            digits++;
            i++;
        }
        if (overflow) {
            return -ERANGE;
        }
        if (digits == 0) {
            return -Errno.EINVAL;
        }
        long result;
        if (signed) {
            if (negative ? -value > 0 : value < 0) {
                return -ERANGE;
            }
            result = negative ? -value : value;
        } else {
            if (negative) {
                return -Errno.EINVAL;
            }
            result = value;
        }
        Memory.store64(c.memory(), res, result, c.slot());
        return i;
    }

    private static int at(byte[] s, int i, int end) {
        return i < end ? s[i] & 0xff : 0;
    }

    private static int lower(int ch) {
        return ch >= 'A' && ch <= 'Z' ? ch + 32 : ch;
    }

    private static boolean isHex(int ch) {
        return Character.digit(ch, 16) >= 0;
    }

    private static boolean isSpace(byte ch) {
        return ch == ' ' || (ch >= '\t' && ch <= '\r');
    }
}
