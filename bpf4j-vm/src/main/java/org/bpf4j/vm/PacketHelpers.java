package org.bpf4j.vm;

import java.util.Arrays;
import java.util.Optional;
import org.bpf4j.vm.map.BpfMap;

/**
 * The packet helpers, with the kernel's argument checks and return values: the XDP adjust
 * helpers, {@code bpf_xdp_load_bytes}/{@code store_bytes}, the socket-buffer byte helpers, the
 * checksum helpers, redirects (recorded in the context for the test run) and the flow hash.
 *
 * <p>Every helper the kernel's verifier treats as changing packet data invalidates the program's
 * packet pointers here too ({@link PacketBuffer#setBounds}), whether or not it moved the packet.
 * The checksum helpers compute as the kernel does for a buffer whose checksum is not offloaded
 * ({@code CHECKSUM_NONE}, as in a test run), so {@code bpf_csum_update} returns {@code -ENOTSUPP}.
 * The flow hash of {@code bpf_get_hash_recalc} is the VM's own (the kernel's uses a random seed
 * chosen at boot, so no two machines agree on it).
 */
final class PacketHelpers {
    private PacketHelpers() {}

    static final int EINVAL = 22, EFAULT = 14, EACCES = 13, ENOMEM = 12, ENODEV = 19, EOPNOTSUPP = 95, ENOTSUPP = 524;
    /** The test run's device, the loopback device: ifindex 1, MTU 65536, an Ethernet-sized hard header. */
    /** {@code overflowuid}: the uid the kernel reports when it has none to give. */
    static final long OVERFLOW_UID = 65534;
    static final int LOOPBACK_IFINDEX = 1, LOOPBACK_MTU = 65536, HARD_HEADER_LEN = 14;
    /** {@code SKB_MAX_ALLOC}: the longest a helper may make a socket buffer (16 KiB less the shared info). */
    static final long SKB_MAX_ALLOC = 16384 - 320;
    static final int XDP_ABORTED = 0, XDP_REDIRECT = 4, TC_ACT_SHOT = 2, TC_ACT_REDIRECT = 7;
    static final long F_RECOMPUTE_CSUM = 1, F_INVALIDATE_HASH = 2, F_HDR_FIELD_MASK = 0xf, F_PSEUDO_HDR = 1 << 4,
            F_MARK_MANGLED_0 = 1 << 5, F_MARK_ENFORCE = 1 << 6, F_IPV6 = 1 << 7, F_INGRESS = 1, F_BROADCAST = 1 << 3,
            F_EXCLUDE_INGRESS = 1 << 4;

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("xdp_adjust_head", (c, ctx, off, r3, r4, r5) -> xdp(c, ctx, "xdp_adjust_head").adjustHead((int) off));
        b.add("xdp_adjust_tail", (c, ctx, off, r3, r4, r5) -> xdp(c, ctx, "xdp_adjust_tail").adjustTail((int) off));
        b.add("xdp_adjust_meta", (c, ctx, off, r3, r4, r5) -> xdp(c, ctx, "xdp_adjust_meta").adjustMeta((int) off));
        b.add("xdp_get_buff_len", (c, ctx, r2, r3, r4, r5) -> {
            XdpContext x = xdp(c, ctx, "xdp_get_buff_len");
            return x.packet().length() + x.fragments().length;
        });
        b.add("xdp_load_bytes", (c, ctx, off, buf, len, r5) -> {
            XdpContext x = xdp(c, ctx, "xdp_load_bytes");
            long error = xdpBytesError(x, off, len);
            if (error != 0) {
                return error;
            }
            c.memory().write(buf, x.bytes((int) off, (int) len), c.slot());
            return 0;
        });
        b.add("xdp_store_bytes", (c, ctx, off, buf, len, r5) -> {
            XdpContext x = xdp(c, ctx, "xdp_store_bytes");
            long error = xdpBytesError(x, off, len);
            if (error != 0) {
                return error;
            }
            x.setBytes((int) off, c.memory().read(buf, (int) len, c.slot()));
            return 0;
        });
        b.add("skb_load_bytes", (c, ctx, off, to, len, r5) -> {
            PacketBuffer p = skb(c, ctx, "skb_load_bytes").packet();
            int n = (int) len;
            if (!within(off, len, p.length())) {
                c.memory().fill(to, len, (byte) 0, c.slot()); // traps for a length the destination cannot hold
                return -EFAULT;
            }
            int from = p.data() - p.meta() + (int) off;
            c.memory().write(to, Arrays.copyOfRange(p.window(), from, from + n), c.slot());
            return 0;
        });
        b.add("skb_store_bytes", (c, ctx, off, from, len, flags) -> {
            SkbContext s = skb(c, ctx, "skb_store_bytes");
            PacketBuffer p = s.packet();
            if ((flags & ~(F_RECOMPUTE_CSUM | F_INVALIDATE_HASH)) != 0) {
                return -EINVAL;
            }
            // the source first, for the whole length the program gave (a negative one traps)
            byte[] src = c.memory().read(from, (int) Math.max(-1, Math.min(len, Integer.MAX_VALUE)), c.slot());
            if (!within(off, len, p.length())) {
                p.invalidatePointers();
                return -EFAULT;
            }
            System.arraycopy(src, 0, p.window(), p.data() - p.meta() + (int) off, src.length);
            if ((flags & F_INVALIDATE_HASH) != 0) {
                s.setHash(0);
            }
            p.invalidatePointers();
            refresh(c, p);
            return 0;
        });
        b.add("skb_pull_data", (c, ctx, len, r3, r4, r5) -> {
            PacketBuffer p = skb(c, ctx, "skb_pull_data").packet();
            long need = len == 0 ? p.length() : len & 0xffff_ffffL;
            p.invalidatePointers();
            refresh(c, p);
            return need > p.length() ? -ENOMEM : 0;
        });
        b.add("l3_csum_replace", (c, ctx, off, from, to, flags) -> {
            PacketBuffer p = skb(c, ctx, "l3_csum_replace").packet();
            if ((flags & ~F_HDR_FIELD_MASK) != 0) {
                return -EINVAL;
            }
            if (off < 0 || off > 0xffff || (off & 1) != 0 || off + 2 > p.length()) {
                return -EFAULT;
            }
            int at = p.data() - p.meta() + (int) off;
            byte[] w = p.window();
            int sum = u16(w, at);
            int result;
            switch ((int) (flags & F_HDR_FIELD_MASK)) {
                case 0 -> {
                    if (from != 0) {
                        return -EINVAL;
                    }
                    result = Checksums.replaceByDiff(sum, (int) to);
                }
                case 2 -> result = Checksums.replace2(sum, (int) from & 0xffff, (int) to & 0xffff);
                case 4 -> result = Checksums.replace4(sum, (int) from, (int) to);
                default -> {
                    return -EINVAL;
                }
            }
            put16(w, at, result);
            p.invalidatePointers();
            refresh(c, p);
            return 0;
        });
        b.add("l4_csum_replace", (c, ctx, off, from, to, flags) -> {
            PacketBuffer p = skb(c, ctx, "l4_csum_replace").packet();
            if ((flags & ~(F_MARK_MANGLED_0 | F_MARK_ENFORCE | F_PSEUDO_HDR | F_HDR_FIELD_MASK | F_IPV6)) != 0) {
                return -EINVAL;
            }
            if (off < 0 || off > 0xffff || (off & 1) != 0 || off + 2 > p.length()) {
                return -EFAULT;
            }
            int at = p.data() - p.meta() + (int) off;
            byte[] w = p.window();
            int sum = u16(w, at);
            boolean mangledZero = (flags & F_MARK_MANGLED_0) != 0;
            if (mangledZero && (flags & F_MARK_ENFORCE) == 0 && sum == 0) {
                p.invalidatePointers();
                return 0;
            }
            int result;
            switch ((int) (flags & F_HDR_FIELD_MASK)) {
                case 0 -> {
                    if (from != 0) {
                        return -EINVAL;
                    }
                    result = Checksums.protoReplaceByDiff(sum, (int) to);
                }
                case 2 -> result = Checksums.protoReplace4(sum, (int) from & 0xffff, (int) to & 0xffff);
                case 4 -> result = Checksums.protoReplace4(sum, (int) from, (int) to);
                default -> {
                    return -EINVAL;
                }
            }
            if (mangledZero && result == 0) {
                result = 0xffff;
            }
            put16(w, at, result);
            p.invalidatePointers();
            refresh(c, p);
            return 0;
        });
        b.add("csum_update", (c, ctx, csum, r3, r4, r5) -> {
            skb(c, ctx, "csum_update");
            return -ENOTSUPP;
        });
        b.add("redirect", (c, ifindex, flags, r3, r4, r5) -> {
            if (c.runContext() instanceof XdpContext x) {
                if (flags != 0) {
                    return XDP_ABORTED;
                }
                x.redirect(new PacketContext.Redirect(ifindex & 0xffff_ffffL, flags, Optional.empty()));
                return XDP_REDIRECT;
            }
            if ((flags & ~F_INGRESS) != 0) {
                return TC_ACT_SHOT;
            }
            if (c.runContext() instanceof SkbContext s) {
                s.redirect(new PacketContext.Redirect(ifindex & 0xffff_ffffL, flags, Optional.empty()));
            }
            return TC_ACT_REDIRECT;
        });
        b.add("redirect_map", (c, map, key, flags, r4, r5) -> {
            BpfMap m = BpfMap.ofHandle(map).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL, c.slot(),
                    "bpf_redirect_map: R1 = " + Memory.hex(map) + " is not a map"));
            long actionMask = 3;
            // Only device maps take the broadcast flags; cpumaps (and xskmaps) take none.
            boolean devices = m instanceof org.bpf4j.vm.map.DevMap || m instanceof org.bpf4j.vm.map.DevHashMap;
            long flagMask = devices ? F_BROADCAST | F_EXCLUDE_INGRESS : 0;
            if ((flags & ~(actionMask | flagMask)) != 0) {
                return XDP_ABORTED;
            }
            byte[] k = new byte[Math.max(4, m.definition().keySize())];
            for (int i = 0; i < 4; i++) {
                k[i] = (byte) (key >>> (8 * i));
            }
            boolean found = m.lookupAddress(Arrays.copyOf(k, m.definition().keySize()), c.cpu()) != 0;
            if (!found && (flags & F_BROADCAST) == 0) {
                return flags & actionMask;
            }
            if (c.runContext() instanceof PacketContext pc) {
                pc.redirect(new PacketContext.Redirect(key & 0xffff_ffffL, flags, Optional.of(m.definition().name())));
            }
            return XDP_REDIRECT;
        });
        b.add("skb_load_bytes_relative", (c, ctx, off, to, len, start) -> {
            SkbContext s = skb(c, ctx, "skb_load_bytes_relative");
            PacketBuffer p = s.packet();
            int base = start == 0 ? s.macHeader() : start == 1 ? s.networkHeader() : -1;
            // no lower bound but the buffer's: the MAC header of a socket filter's or cgroup_skb's
            // test run lies before data (the Ethernet header the kernel zeroes only in data_out)
            if (off < 0 || off > 0xffff || base < 0 || !within(base + off, len, p.end())) {
                c.memory().fill(to, len, (byte) 0, c.slot());
                return -EFAULT;
            }
            p.sync();
            c.memory().write(to, Arrays.copyOfRange(p.frame(), (int) (base + off), (int) (base + off + len)), c.slot());
            return 0;
        });
        b.add("skb_change_tail", (c, ctx, newLen, flags, r4, r5) -> {
            SkbContext s = skb(c, ctx, "skb_change_tail");
            PacketBuffer p = s.packet();
            long minLen = Math.max(0, s.networkHeader() - p.data());
            long n = newLen & 0xffff_ffffL;
            long result = 0;
            if (flags != 0 || n > SKB_MAX_ALLOC || n < minLen) {
                result = -EINVAL;
            } else if (s.encapsulated()) {
                result = -ENOTSUPP;
            } else if (n != p.length()) {
                p.sync();
                int newEnd = p.data() + (int) n;
                int oldEnd = p.end();
                p.setBounds(p.meta(), p.data(), newEnd);
                if (newEnd > oldEnd) {
                    // editFrame, not sync: the window opened above must not be copied back over the zeros
                    Arrays.fill(p.editFrame(), oldEnd, newEnd, (byte) 0);
                    p.invalidatePointers();
                }
                s.packetChanged();
            }
            p.invalidatePointers();
            refresh(c, p);
            return result;
        });
        b.add("skb_vlan_push", (c, ctx, proto, tci, r4, r5) -> skbChange(c,
                skb(c, ctx, "skb_vlan_push").vlanPush(swap16((int) proto), (int) tci & 0xffff)));
        b.add("skb_vlan_pop", (c, ctx, r2, r3, r4, r5) -> skbChange(c, skb(c, ctx, "skb_vlan_pop").vlanPop()));
        b.add("skb_adjust_room", (c, ctx, lenDiff, mode, flags, r5) -> skbChange(c,
                skb(c, ctx, "skb_adjust_room").adjustRoom((int) lenDiff, mode & 0xffff_ffffL, flags)));
        b.add("skb_change_head", (c, ctx, room, flags, r4, r5) -> skbChange(c,
                skb(c, ctx, "skb_change_head").changeHead(room, flags)));
        b.add("skb_change_proto", (c, ctx, proto, flags, r4, r5) -> skbChange(c,
                skb(c, ctx, "skb_change_proto").changeProto(swap16((int) proto), flags)));
        b.add("skb_change_type", (c, ctx, type, r3, r4, r5) -> skb(c, ctx, "skb_change_type").changeType(type));
        b.add("csum_level", (c, ctx, level, r3, r4, r5) -> skb(c, ctx, "csum_level").csumLevel(level));
        b.add("skb_ecn_set_ce", (c, ctx, r2, r3, r4, r5) -> skb(c, ctx, "skb_ecn_set_ce").ecnSetCe());
        b.add("skb_set_tstamp", (c, ctx, tstamp, type, r4, r5) -> skb(c, ctx, "skb_set_tstamp").setTstamp(tstamp, type));
        b.add("get_route_realm", (c, ctx, r2, r3, r4, r5) -> {
            skb(c, ctx, "get_route_realm");
            return 0; // a test run's buffer has no route
        });
        b.add("get_cgroup_classid", (c, ctx, r2, r3, r4, r5) -> {
            skb(c, ctx, "get_cgroup_classid");
            return 0; // the VM has no net_cls cgroups
        });
        b.add("skb_cgroup_classid", (c, ctx, r2, r3, r4, r5) -> {
            skb(c, ctx, "skb_cgroup_classid");
            return 0; // the VM has no net_cls cgroups
        });
        b.add("get_socket_uid", (c, ctx, r2, r3, r4, r5) -> {
            // The owner of the buffer's socket: a test run's socket is created zeroed, owned by uid 0;
            // without a (full) socket the kernel answers overflowuid.
            return skb(c, ctx, "get_socket_uid").hasSocket() ? 0 : OVERFLOW_UID;
        });
        b.add("check_mtu", (c, ctx, ifindex, mtuLen, lenDiff, flags) -> {
            boolean xdp = c.memory().context(ctx) instanceof XdpContext;
            PacketBuffer p = xdp ? xdp(c, ctx, "check_mtu").packet() : skb(c, ctx, "check_mtu").packet();
            byte[] g = c.memory().read(mtuLen, 4, c.slot());
            int given = (g[0] & 0xff) | (g[1] & 0xff) << 8 | (g[2] & 0xff) << 16 | (g[3] & 0xff) << 24;
            long ret;
            int mtu = 0;
            if (xdp ? flags != 0 : (flags & ~1L) != 0 || (flags & 1) != 0 && ((int) lenDiff != 0 || given != 0)) {
                ret = -EINVAL;
            } else if (ifindex != 0 && (ifindex & 0xffff_ffffL) != LOOPBACK_IFINDEX) {
                ret = -ENODEV;
            } else {
                mtu = LOOPBACK_MTU;
                int len = (given != 0 ? given + HARD_HEADER_LEN : p.length()) + (int) lenDiff;
                ret = len <= mtu + HARD_HEADER_LEN ? 0 : 1; // BPF_MTU_CHK_RET_SUCCESS, _FRAG_NEEDED
            }
            c.memory().write(mtuLen, new byte[] {(byte) mtu, (byte) (mtu >>> 8), (byte) (mtu >>> 16), (byte) (mtu >>> 24)},
                    c.slot());
            return ret;
        });
        b.add("get_socket_cookie", (c, ctx, r2, r3, r4, r5) -> {
            if (c.memory().context(ctx) instanceof SkbContext s && (int) ctx == 0) {
                return s.cookie();
            }
            throw notContext(c, ctx, "get_socket_cookie", "__sk_buff");
        });
        b.add("get_hash_recalc", (c, ctx, r2, r3, r4, r5) -> {
            SkbContext s = skb(c, ctx, "get_hash_recalc");
            if (s.hash() == 0) {
                s.setHash(flowHash(s.packet()));
            }
            return s.hash();
        });
        b.add("set_hash_invalid", (c, ctx, r2, r3, r4, r5) -> {
            skb(c, ctx, "set_hash_invalid").setHash(0);
            return 0;
        });
        b.add("set_hash", (c, ctx, hash, r3, r4, r5) -> {
            skb(c, ctx, "set_hash").setHash(hash);
            return 0;
        });
        return b;
    }

    /**
     * Whether {@code length} bytes at {@code offset} lie within {@code [0, limit)}: both are the
     * program's (an unverified one may pass any), so neither the sum nor a cast may wrap.
     */
    /**
     * The error of {@code bpf_xdp_load_bytes}/{@code store_bytes} for a 32-bit offset and length
     * ({@code bpf_xdp_pointer}): {@code -EFAULT} past 0xffff, {@code -EINVAL} past the buffer (the
     * linear part and the fragments); 0 when the bytes are there.
     */
    static long xdpBytesError(XdpContext x, long off, long len) {
        long o = off & 0xffff_ffffL;
        long n = len & 0xffff_ffffL;
        if (o > 0xffff || n > 0xffff) {
            return -EFAULT;
        }
        return o + n > x.packet().length() + x.fragments().length ? -EINVAL : 0;
    }

    static boolean within(long offset, long length, long limit) {
        return offset >= 0 && length >= 0 && offset <= limit && length <= limit - offset;
    }

    /** The result of a helper that changed a socket buffer's packet, after pointing the legacy loads at the new one. */
    private static long skbChange(CallContext c, long result) {
        if (c.runContext() instanceof SkbContext s) {
            refresh(c, s.packet());
        }
        return result;
    }

    /** A {@code __be16} argument (its low 16 bits) in host order. */
    private static int swap16(int v) {
        return (v & 0xff) << 8 | (v >>> 8) & 0xff;
    }

    /** After a helper replaced the packet's window: the legacy packet loads read the new one. */
    private static void refresh(CallContext c, PacketBuffer p) {
        if (c instanceof Execution e) {
            e.legacyPacket(p);
        }
    }

    private static int u16(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8;
    }

    private static void put16(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
    }

    private static XdpContext xdp(CallContext c, long ctx, String helper) {
        if (c.memory().context(ctx) instanceof XdpContext x && Memory.regionOf(ctx) != 0 && (int) ctx == 0) {
            return x;
        }
        throw notContext(c, ctx, helper, "xdp_md");
    }

    private static SkbContext skb(CallContext c, long ctx, String helper) {
        if (c.memory().context(ctx) instanceof SkbContext s && (int) ctx == 0) {
            return s;
        }
        throw notContext(c, ctx, helper, "__sk_buff");
    }

    private static VmTrapException notContext(CallContext c, long ctx, String helper, String what) {
        return new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_" + helper + ": R1 = " + Memory.hex(ctx)
                + " is not the program's " + what + " context (" + c.memory().describe(ctx) + ")");
    }

    /**
     * The VM's flow hash of a packet: a 32-bit FNV-1a hash of up to 46 bytes from the Ethernet type
     * on (the network and transport headers of a plain IPv4 or IPv6 packet), never 0.
     */
    static long flowHash(PacketBuffer p) {
        byte[] w = p.window();
        int d = p.data() - p.meta();
        int n = p.length();
        int h = 0x811c9dc5;
        int take = Math.min(n, 14 + 40 + 4);
        for (int i = 12; i < take; i++) {
            h = (h ^ (w[d + i] & 0xff)) * 0x01000193;
        }
        return h == 0 ? 1 : h & 0xffff_ffffL;
    }
}
