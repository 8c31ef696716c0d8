package org.bpf4j.trace.sema;

import java.util.List;

/**
 * The names of the kernel's GFP ("get free pages") allocation flags, for current bpftrace's
 * {@code %gr} conversion: as the kernel's own {@code %pGg} prints them, compound masks first
 * ({@code GFP_KERNEL}), then the single flags left over, then any unnamed bits in hex, joined by
 * {@code |}. The bits are those of the kernel's {@code include/linux/gfp_types.h}.
 */
final class GfpFlags {
    private GfpFlags() {}

    private record Name(long mask, String name) {}

    private static long bit(int n) {
        return 1L << n;
    }

    // the flag bits, in the kernel's order
    private static final long DMA = bit(0);
    private static final long HIGHMEM = bit(1);
    private static final long DMA32 = bit(2);
    private static final long MOVABLE = bit(3);
    private static final long HIGH = bit(5);
    private static final long IO = bit(6);
    private static final long FS = bit(7);
    private static final long ZERO = bit(8);
    private static final long DIRECT_RECLAIM = bit(10);
    private static final long KSWAPD_RECLAIM = bit(11);
    private static final long WRITE = bit(12);
    private static final long NOWARN = bit(13);
    private static final long RETRY_MAYFAIL = bit(14);
    private static final long NOFAIL = bit(15);
    private static final long NORETRY = bit(16);
    private static final long MEMALLOC = bit(17);
    private static final long COMP = bit(18);
    private static final long NOMEMALLOC = bit(19);
    private static final long HARDWALL = bit(20);
    private static final long THISNODE = bit(21);
    private static final long ACCOUNT = bit(22);
    private static final long ZEROTAGS = bit(23);
    private static final long SKIP_ZERO = bit(24);
    private static final long SKIP_KASAN = bit(25);
    private static final long NO_OBJ_EXT = bit(26);

    // the kernel's compound masks
    private static final long RECLAIM = DIRECT_RECLAIM | KSWAPD_RECLAIM;
    private static final long ATOMIC = HIGH | KSWAPD_RECLAIM;
    private static final long KERNEL = RECLAIM | IO | FS;
    private static final long NOWAIT = KSWAPD_RECLAIM | NOWARN;
    private static final long NOIO = RECLAIM;
    private static final long NOFS = RECLAIM | IO;
    private static final long USER = KERNEL | HARDWALL;
    private static final long HIGHUSER = USER | HIGHMEM;
    private static final long HIGHUSER_MOVABLE = HIGHUSER | MOVABLE | SKIP_KASAN;
    private static final long TRANSHUGE_LIGHT = (HIGHUSER_MOVABLE | COMP | NOMEMALLOC | NOWARN) & ~RECLAIM;
    private static final long TRANSHUGE = TRANSHUGE_LIGHT | DIRECT_RECLAIM;

    /** The names in the order the kernel tries them (mmflags.h): the first that matches takes its bits. */
    private static final List<Name> NAMES = List.of(new Name(TRANSHUGE, "GFP_TRANSHUGE"),
            new Name(TRANSHUGE_LIGHT, "GFP_TRANSHUGE_LIGHT"), new Name(HIGHUSER_MOVABLE, "GFP_HIGHUSER_MOVABLE"),
            new Name(HIGHUSER, "GFP_HIGHUSER"), new Name(USER, "GFP_USER"),
            new Name(KERNEL | ACCOUNT, "GFP_KERNEL_ACCOUNT"), new Name(KERNEL, "GFP_KERNEL"),
            new Name(NOFS, "GFP_NOFS"), new Name(ATOMIC, "GFP_ATOMIC"), new Name(NOIO, "GFP_NOIO"),
            new Name(NOWAIT, "GFP_NOWAIT"), new Name(DMA, "GFP_DMA"), new Name(HIGHMEM, "__GFP_HIGHMEM"),
            new Name(DMA32, "GFP_DMA32"), new Name(HIGH, "__GFP_HIGH"), new Name(IO, "__GFP_IO"),
            new Name(FS, "__GFP_FS"), new Name(ZERO, "__GFP_ZERO"), new Name(DIRECT_RECLAIM, "__GFP_DIRECT_RECLAIM"),
            new Name(KSWAPD_RECLAIM, "__GFP_KSWAPD_RECLAIM"), new Name(WRITE, "__GFP_WRITE"),
            new Name(NOWARN, "__GFP_NOWARN"), new Name(RETRY_MAYFAIL, "__GFP_RETRY_MAYFAIL"),
            new Name(NOFAIL, "__GFP_NOFAIL"), new Name(NORETRY, "__GFP_NORETRY"), new Name(MEMALLOC, "__GFP_MEMALLOC"),
            new Name(COMP, "__GFP_COMP"), new Name(NOMEMALLOC, "__GFP_NOMEMALLOC"), new Name(HARDWALL, "__GFP_HARDWALL"),
            new Name(THISNODE, "__GFP_THISNODE"), new Name(ACCOUNT, "__GFP_ACCOUNT"), new Name(ZEROTAGS, "__GFP_ZEROTAGS"),
            new Name(SKIP_ZERO, "__GFP_SKIP_ZERO"), new Name(SKIP_KASAN, "__GFP_SKIP_KASAN"),
            new Name(NO_OBJ_EXT, "__GFP_NO_OBJ_EXT"));

    /** The flags' names ({@code GFP_KERNEL|__GFP_ZERO}), "0" for none. */
    static String format(long flags) {
        if (flags == 0) {
            return "0";
        }
        StringBuilder out = new StringBuilder();
        long left = flags;
        for (Name n : NAMES) {
            if ((left & n.mask()) == n.mask()) {
                out.append(out.isEmpty() ? "" : "|").append(n.name());
                left &= ~n.mask();
            }
        }
        if (left != 0) {
            out.append(out.isEmpty() ? "" : "|").append("0x").append(Long.toHexString(left));
        }
        return out.toString();
    }
}
