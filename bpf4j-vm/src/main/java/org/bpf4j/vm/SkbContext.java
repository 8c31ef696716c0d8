package org.bpf4j.vm;

import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayout;

/**
 * The context of a program that sees a socket buffer, {@code struct __sk_buff} in the variant of
 * its program type. The packet is the buffer's linear data; {@code len} follows it as the helpers
 * change it. Stores follow the kernel's rewrites: {@code tc_index} and {@code tc_classid} keep 16
 * bits, a {@code queue_mapping} of 0xffff or more is ignored. {@code sk} reads as a pointer to the
 * socket given at construction ({@code struct bpf_sock}), or null without one.
 */
public final class SkbContext extends PacketContext {
    private final LayoutContext socket;
    private final boolean dataEndComputed;
    private long socketAddress;
    private long hash;
    private int macHeader;
    private int networkHeader;
    private long cookie = 1;
    private boolean vlanPresent;
    private int vlanProto;
    private int vlanTci;
    private boolean encapsulation;
    /** {@code skb->ip_summed}: CHECKSUM_NONE (0) in a test run, or CHECKSUM_UNNECESSARY (1) with {@link #csumLevel}. */
    private int ipSummed;
    private int csumLevel;

    static final int ETH_HLEN = 14, VLAN_HLEN = 4, ETH_P_IP = 0x0800, ETH_P_IPV6 = 0x86dd, ETH_P_8021Q = 0x8100,
            ETH_P_8021AD = 0x88a8, ETH_P_802_3 = 0x0001, ETH_P_802_2 = 0x0004, EALREADY = 114;
    /** {@code bpf_skb_adjust_room}'s flags. */
    static final long ADJ_FIXED_GSO = 1, ADJ_ENCAP_L3_IPV4 = 1 << 1, ADJ_ENCAP_L3_IPV6 = 1 << 2,
            ADJ_ENCAP_L4_GRE = 1 << 3, ADJ_ENCAP_L4_UDP = 1 << 4, ADJ_NO_CSUM_RESET = 1 << 5, ADJ_ENCAP_L2_ETH = 1 << 6,
            ADJ_DECAP_L3_IPV4 = 1 << 7, ADJ_DECAP_L3_IPV6 = 1 << 8, ADJ_ENCAP_L2_MASK = 0xffL << 56;
    static final int ADJ_ROOM_NET = 0, ADJ_ROOM_MAC = 1;

    /**
     * A context over {@code packet} (whose data starts the linear part), with the socket the
     * buffer belongs to, or null.
     *
     * @param dataEndComputed whether {@code data_end} was computed for this run; the kernel's test
     *     run does it only for tc and lwt programs, so a cgroup_skb program there reads 0
     */
    public SkbContext(ContextLayout layout, PacketBuffer packet, LayoutContext socket, boolean dataEndComputed) {
        super(layout, packet);
        this.socket = socket;
        this.dataEndComputed = dataEndComputed;
        packetChanged();
    }

    @Override
    public long attach(Memory m) {
        long addr = super.attach(m);
        socketAddress = socket == null ? 0 : m.addContext("socket", socket);
        return addr;
    }

    /**
     * Sets where the Ethernet and network headers start (frame indices), for the helpers that
     * address them ({@code bpf_skb_load_bytes_relative}) and the minimum length
     * ({@code bpf_skb_change_tail}).
     */
    public void setHeaders(int mac, int network) {
        macHeader = mac;
        networkHeader = network;
    }

    /** Frame index of the Ethernet header. */
    public int macHeader() {
        return macHeader;
    }

    /** Frame index of the network header. */
    public int networkHeader() {
        return networkHeader;
    }

    /** Whether the buffer belongs to a socket ({@code skb->sk}). */
    public boolean hasSocket() {
        return socket != null;
    }

    /** The socket's cookie ({@code bpf_get_socket_cookie}); 0 without a socket. */
    public long cookie() {
        return socket == null ? 0 : cookie;
    }

    /** Sets the cookie of the buffer's socket (the kernel draws it from a counter on first use). */
    public void setCookie(long c) {
        cookie = c;
    }

    /** {@code skb->protocol} in host byte order (the field holds it big-endian). */
    public int protocol() {
        return swap16((int) u32("protocol"));
    }

    void setProtocol(int hostOrder) {
        set("protocol", swap16(hostOrder));
    }

    private static int swap16(int v) {
        return (v & 0xff) << 8 | (v >>> 8) & 0xff;
    }

    private static boolean isVlan(int proto) {
        return proto == ETH_P_8021Q || proto == ETH_P_8021AD;
    }

    /** Whether the buffer carries a VLAN tag outside its data ({@code skb_vlan_tag_present}). */
    public boolean vlanPresent() {
        return vlanPresent;
    }

    private void putVlan(boolean present, int proto, int tci) {
        vlanPresent = present;
        vlanProto = present ? proto : 0;
        vlanTci = present ? tci & 0xffff : 0;
        set("vlan_present", present ? 1 : 0);
        set("vlan_tci", vlanTci);
        set("vlan_proto", swap16(vlanProto));
    }

    /** Ends a helper that may have changed the packet: new window, {@code len}, legacy loads. */
    private long done(long result) {
        packet().invalidatePointers();
        packetChanged();
        return result;
    }

    /**
     * Makes {@code n} bytes of room at {@code off} bytes into the data: the first {@code off} bytes
     * move {@code n} toward the head and the room is zeroed ({@code bpf_skb_generic_push}); the
     * header indices move with the bytes before the room.
     */
    private void pushAt(int off, int n) {
        PacketBuffer p = packet();
        int shift = p.ensureHeadroom(n);
        macHeader += shift;
        networkHeader += shift;
        byte[] f = p.editFrame();
        int d = p.data();
        int move = Math.max(0, Math.min(off, f.length - d));
        System.arraycopy(f, d, f, d - n, move);
        java.util.Arrays.fill(f, d - n + off, d + off, (byte) 0);
        p.setBounds(p.meta() - n, d - n, p.end());
    }

    /** Removes {@code n} bytes at {@code off} bytes into the data ({@code bpf_skb_generic_pop}); -ENOMEM past the end. */
    private long popAt(int off, int n) {
        PacketBuffer p = packet();
        if ((long) off + n > p.length()) {
            return -PacketHelpers.ENOMEM;
        }
        byte[] f = p.editFrame();
        int d = p.data();
        System.arraycopy(f, d, f, d + n, off);
        p.setBounds(p.meta() + n, d + n, p.end());
        return 0;
    }

    /** {@code bpf_skb_vlan_push}: a tag already outside the data goes into it first, then the new one is set outside. */
    long vlanPush(int proto, int tci) {
        if (proto != ETH_P_8021Q && proto != ETH_P_8021AD) {
            proto = ETH_P_8021Q;
        }
        if (vlanPresent) {
            if (packet().data() != macHeader) {
                return done(-PacketHelpers.EINVAL);
            }
            // __vlan_insert_tag: the addresses move 4 bytes toward the head, the tag follows them.
            pushAt(12, VLAN_HLEN);
            byte[] f = packet().editFrame();
            int d = packet().data();
            put16be(f, d + 12, vlanProto);
            put16be(f, d + 14, vlanTci);
            macHeader -= VLAN_HLEN;
            setProtocol(vlanProto);
        }
        putVlan(true, proto, tci);
        return done(0);
    }

    /** {@code bpf_skb_vlan_pop}: drops the outside tag (or the outer tag in the data), then moves the next tag in the data outside. */
    long vlanPop() {
        if (vlanPresent) {
            putVlan(false, 0, 0);
        } else {
            if (!isVlan(protocol())) {
                return done(0);
            }
            long r = popTag();
            if (r < 0) {
                return done(r);
            }
        }
        if (!isVlan(protocol())) {
            return done(0);
        }
        int proto = protocol();
        long tci = popTag();
        if (tci < 0) {
            return done(tci);
        }
        putVlan(true, proto, (int) tci);
        return done(0);
    }

    /** {@code __skb_vlan_pop}: removes the tag after the addresses; returns its TCI or a negative errno. */
    private long popTag() {
        PacketBuffer p = packet();
        if (p.data() != macHeader) {
            return -PacketHelpers.EINVAL;
        }
        if (p.length() < ETH_HLEN + VLAN_HLEN) {
            return -PacketHelpers.ENOMEM;
        }
        p.sync();
        byte[] f = p.frame();
        int d = p.data();
        int tci = get16be(f, d + 14);
        int encapsulated = get16be(f, d + 16);
        boolean raw = p.length() >= 20 && get16be(f, d + 18) == 0xffff;
        popAt(12, VLAN_HLEN);
        macHeader += VLAN_HLEN;
        if (networkHeader - p.data() < ETH_HLEN) {
            networkHeader = p.data() + ETH_HLEN;
        }
        setProtocol(encapsulated >= 0x600 ? encapsulated : raw ? ETH_P_802_3 : ETH_P_802_2);
        return tci;
    }

    /** {@code bpf_skb_adjust_room}: room after the MAC header or after the base network header, with the encap and decap flags. */
    long adjustRoom(int lenDiff, long mode, long flags) {
        long allowed = ADJ_FIXED_GSO | ADJ_ENCAP_L3_IPV4 | ADJ_ENCAP_L3_IPV6 | ADJ_ENCAP_L4_GRE | ADJ_ENCAP_L4_UDP
                | ADJ_NO_CSUM_RESET | ADJ_ENCAP_L2_ETH | ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6 | ADJ_ENCAP_L2_MASK;
        if ((flags & ~allowed) != 0) {
            return done(-PacketHelpers.EINVAL);
        }
        boolean shrink = lenDiff < 0;
        int abs = (int) Math.abs((long) lenDiff);
        if (abs > 0xfff) {
            return done(-PacketHelpers.EFAULT);
        }
        int proto = protocol();
        if (proto != ETH_P_IP && proto != ETH_P_IPV6) {
            return done(-PacketHelpers.ENOTSUPP);
        }
        int baseLen = proto == ETH_P_IP ? 20 : 40;
        int lenMin = baseLen;
        int off = networkHeader - macHeader;
        switch ((int) mode) {
            case ADJ_ROOM_NET -> off += baseLen;
            case ADJ_ROOM_MAC -> {
            }
            default -> {
                return done(-PacketHelpers.ENOTSUPP);
            }
        }
        if ((mode >>> 32) != 0) {
            return done(-PacketHelpers.ENOTSUPP);
        }
        long decap = flags & (ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6);
        if (decap != 0) {
            if (!shrink) {
                return done(-PacketHelpers.EINVAL);
            }
            if (decap == ADJ_DECAP_L3_IPV4) {
                lenMin = 20;
            } else if (decap == ADJ_DECAP_L3_IPV6) {
                lenMin = 40;
            } else {
                return done(-PacketHelpers.EINVAL);
            }
        }
        PacketBuffer p = packet();
        long lenCur = p.length() - (networkHeader - p.data());
        if (shrink ? abs >= lenCur || lenCur - abs < lenMin : p.length() + abs > PacketHelpers.SKB_MAX_ALLOC) {
            return done(-PacketHelpers.ENOTSUPP);
        }
        long r = shrink ? shrinkRoom(off, abs, flags, proto) : growRoom(off, abs, flags, proto);
        if (r == 0 && (flags & ADJ_NO_CSUM_RESET) == 0) {
            resetChecksumUnnecessary();
        }
        return done(r);
    }

    private long growRoom(int off, int n, long flags, int proto) {
        int innerMacLen = (int) (flags >>> 56) & 0xff;
        boolean encap = (flags & (ADJ_ENCAP_L3_IPV4 | ADJ_ENCAP_L3_IPV6)) != 0;
        int macLen = networkHeader - macHeader;
        if (encap) {
            if ((flags & ADJ_ENCAP_L3_IPV4) != 0 && (flags & ADJ_ENCAP_L3_IPV6) != 0
                    || (flags & ADJ_ENCAP_L4_GRE) != 0 && (flags & ADJ_ENCAP_L4_UDP) != 0
                    || (flags & ADJ_ENCAP_L2_ETH) != 0 && innerMacLen < ETH_HLEN) {
                return -PacketHelpers.EINVAL;
            }
            if (encapsulation) {
                return -EALREADY;
            }
            if (innerMacLen > n) {
                return -PacketHelpers.EINVAL;
            }
        }
        pushAt(off, n);
        macHeader -= n;
        networkHeader -= n;
        if (encap) {
            encapsulation = true;
            networkHeader = macHeader + macLen;
            if (proto == ETH_P_IP && (flags & ADJ_ENCAP_L3_IPV6) != 0) {
                setProtocol(ETH_P_IPV6);
            } else if (proto == ETH_P_IPV6 && (flags & ADJ_ENCAP_L3_IPV4) != 0) {
                setProtocol(ETH_P_IP);
            }
        }
        return 0;
    }

    private long shrinkRoom(int off, int n, long flags, int proto) {
        if ((flags & ~(ADJ_FIXED_GSO | ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6 | ADJ_NO_CSUM_RESET)) != 0) {
            return -PacketHelpers.EINVAL;
        }
        long r = popAt(off, n);
        if (r < 0) {
            return r;
        }
        macHeader += n;
        networkHeader += n;
        if (proto == ETH_P_IP && (flags & ADJ_DECAP_L3_IPV6) != 0) {
            setProtocol(ETH_P_IPV6);
        } else if (proto == ETH_P_IPV6 && (flags & ADJ_DECAP_L3_IPV4) != 0) {
            setProtocol(ETH_P_IP);
        }
        return 0;
    }

    /** {@code bpf_skb_change_head}: zeroed room before the data, which becomes the MAC header. */
    long changeHead(long headRoom, long flags) {
        long room = headRoom & 0xffff_ffffL;
        long len = packet().length();
        long newLen = (len + room) & 0xffff_ffffL;
        if (flags != 0 || newLen > PacketHelpers.SKB_MAX_ALLOC || newLen < len) {
            return done(-PacketHelpers.EINVAL);
        }
        pushAt(0, (int) room);
        macHeader = packet().data();
        return done(0);
    }

    /** {@code bpf_skb_change_proto}: IPv4 to IPv6 (20 zero bytes after the MAC header) or back. */
    long changeProto(int proto, long flags) {
        if (flags != 0) {
            return done(-PacketHelpers.EINVAL);
        }
        int from = protocol();
        int off = networkHeader - macHeader;
        if (from == ETH_P_IP && proto == ETH_P_IPV6) {
            pushAt(off, 20);
            macHeader -= 20;
            networkHeader -= 20;
        } else if (from == ETH_P_IPV6 && proto == ETH_P_IP) {
            long r = popAt(off, 20);
            if (r < 0) {
                return done(r);
            }
            macHeader += 20;
            networkHeader += 20;
        } else {
            return done(-PacketHelpers.ENOTSUPP);
        }
        setProtocol(proto);
        setHash(0);
        return done(0);
    }

    /** {@code bpf_skb_change_type}: among host, broadcast, multicast and other-host only. */
    long changeType(long type) {
        long now = u32("pkt_type");
        if (now > 3 || Long.compareUnsigned(type & 0xffff_ffffL, 3) > 0) {
            return -PacketHelpers.EINVAL;
        }
        set("pkt_type", type & 0xffff_ffffL);
        return 0;
    }

    static final int CHECKSUM_NONE = 0, CHECKSUM_UNNECESSARY = 1, SKB_MAX_CSUM_LEVEL = 3;

    /** {@code __skb_reset_checksum_unnecessary}. */
    private void resetChecksumUnnecessary() {
        if (ipSummed == CHECKSUM_UNNECESSARY) {
            ipSummed = CHECKSUM_NONE;
            csumLevel = 0;
        }
    }

    /** {@code bpf_csum_level}: query, increment, decrement or reset the CHECKSUM_UNNECESSARY level. */
    long csumLevel(long level) {
        switch ((int) Math.min(level, 4)) {
            case 1 -> { // BPF_CSUM_LEVEL_INC
                if (ipSummed == CHECKSUM_UNNECESSARY) {
                    csumLevel = Math.min(csumLevel + 1, SKB_MAX_CSUM_LEVEL);
                } else if (ipSummed == CHECKSUM_NONE) {
                    ipSummed = CHECKSUM_UNNECESSARY;
                    csumLevel = 0;
                }
            }
            case 2 -> { // BPF_CSUM_LEVEL_DEC
                if (ipSummed == CHECKSUM_UNNECESSARY) {
                    if (csumLevel == 0) {
                        ipSummed = CHECKSUM_NONE;
                    } else {
                        csumLevel--;
                    }
                }
            }
            case 3 -> resetChecksumUnnecessary();
            case 0 -> {
                return level == 0 ? (ipSummed == CHECKSUM_UNNECESSARY ? csumLevel : -PacketHelpers.EACCES)
                        : -PacketHelpers.EINVAL;
            }
            default -> {
                return -PacketHelpers.EINVAL;
            }
        }
        return level < 0 ? -PacketHelpers.EINVAL : 0;
    }

    /**
     * {@code bpf_skb_ecn_set_ce}: marks an ECN-capable IPv4 or IPv6 packet Congestion Experienced
     * (the IPv4 checksum updated incrementally); 1 when the packet is (now) marked, 0 otherwise.
     * Not a helper that changes packet data: the bytes change in place, pointers stay valid.
     */
    long ecnSetCe() {
        int proto = protocol();
        PacketBuffer p = packet();
        int hdr = proto == ETH_P_IP ? 20 : proto == ETH_P_IPV6 ? 40 : -1;
        if (hdr < 0 || p.length() < hdr || networkHeader + hdr > p.end()) {
            return 0;
        }
        byte[] w = p.window();
        int at = networkHeader - p.meta();
        if (proto == ETH_P_IP) {
            int tos = w[at + 1] & 0xff;
            int ecn = (tos + 1) & 3;
            if ((ecn & 2) == 0) {
                return ecn == 0 ? 1 : 0;
            }
            int sum = get16be(w, at + 10) + (ecn == 3 ? 0xfffe : 0xfffd);
            put16be(w, at + 10, (sum & 0xffff) + (sum >>> 16));
            w[at + 1] = (byte) (tos | 3);
            return 1;
        }
        int dsfield = (get16be(w, at) >>> 4) & 0xff;
        if ((dsfield & 3) == 0) {
            return 0;
        }
        w[at + 1] |= 0x30;
        return 1;
    }

    /** {@code bpf_skb_set_tstamp}: the delivery time and its clock (0 realtime, 1 monotonic, 2 TAI). */
    long setTstamp(long tstamp, long type) {
        int proto = protocol();
        if (proto != ETH_P_IP && proto != ETH_P_IPV6) {
            return -PacketHelpers.EOPNOTSUPP;
        }
        int t = (int) type;
        if ((type & 0xffff_ffffL) > 2 || t != 0 && tstamp == 0) {
            return -PacketHelpers.EINVAL;
        }
        set("tstamp", tstamp);
        set("tstamp_type", t);
        return 0;
    }

    /** Whether {@code bpf_skb_adjust_room} made the buffer an encapsulation (then the tail cannot change). */
    boolean encapsulated() {
        return encapsulation;
    }

    private static int get16be(byte[] b, int i) {
        return (b[i] & 0xff) << 8 | (b[i + 1] & 0xff);
    }

    private static void put16be(byte[] b, int i, int v) {
        b[i] = (byte) (v >>> 8);
        b[i + 1] = (byte) v;
    }

    @Override
    void packetChanged() {
        set("len", packet().length());
    }

    /** The flow hash ({@code skb->hash}); 0 until a helper computes or sets it. */
    public long hash() {
        return hash;
    }

    void setHash(long h) {
        hash = h & 0xffff_ffffL;
        set("hash", hash);
    }

    @Override
    protected long pointer(ContextField field, int slot) {
        return switch (field.kind()) {
            case SOCK_COMMON_OR_NULL, SOCKET, SOCKET_OR_NULL -> socketAddress;
            case PACKET_END -> dataEndComputed ? super.pointer(field, slot) : 0;
            case SCALAR, PACKET, PACKET_META, FLOW_KEYS, TP_BUFFER, BTF_ID -> super.pointer(field, slot);
        };
    }

    private long queueMapping;

    @Override
    protected void stored(ContextField field, int offset, int size, long value) {
        switch (field.name()) {
            case "tc_index", "tc_classid" -> set(field.name(), value & 0xffff);
            case "queue_mapping" -> {
                if (Long.compareUnsigned(value, 0xffff) >= 0) {
                    set("queue_mapping", queueMapping);
                } else {
                    queueMapping = value & 0xffff;
                    set("queue_mapping", queueMapping);
                }
            }
            default -> {
            }
        }
    }
}
