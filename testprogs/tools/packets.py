"""Deterministic packet builders for the bpf4j test programs' inputs (Ethernet, VLAN, IPv4,
IPv6, TCP, UDP, ICMP, ARP), with correct checksums unless asked otherwise."""
import struct

MAC_A = bytes.fromhex("020000000001")
MAC_B = bytes.fromhex("020000000002")


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def eth(ethertype, payload, dst=MAC_B, src=MAC_A):
    return dst + src + struct.pack("!H", ethertype) + payload


def vlan(tci, ethertype, payload, tpid=0x8100):
    """A tag to put after the MAC addresses: returns (tpid, tag + payload)."""
    return tpid, struct.pack("!HH", tci, ethertype) + payload


def ip4addr(s):
    return bytes(int(x) for x in s.split("."))


def ipv4(src, dst, proto, payload, ttl=64, ident=1, frag=0, options=b"", tos=0, bad_ihl=None):
    ihl = 5 + len(options) // 4
    total = 20 + len(options) + len(payload)
    hdr = struct.pack("!BBHHHBBH4s4s", ((4 << 4) | (bad_ihl if bad_ihl is not None else ihl)), tos, total,
                      ident, frag, ttl, proto, 0, ip4addr(src), ip4addr(dst)) + options
    c = csum(hdr)
    hdr = hdr[:10] + struct.pack("!H", c) + hdr[12:]
    return hdr + payload


def ip6addr(s):
    import ipaddress
    return ipaddress.IPv6Address(s).packed


def ipv6(src, dst, nexthdr, payload, hop=64):
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nexthdr, hop, ip6addr(src), ip6addr(dst)) + payload


def _pseudo4(src, dst, proto, length):
    return ip4addr(src) + ip4addr(dst) + struct.pack("!BBH", 0, proto, length)


def _pseudo6(src, dst, proto, length):
    return ip6addr(src) + ip6addr(dst) + struct.pack("!IxxxB", length, proto)


def tcp(sport, dport, payload=b"", flags=0x02, seq=1, ack=0, pseudo=None):
    hdr = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
    seg = hdr + payload
    if pseudo is not None:
        c = csum(pseudo(6, len(seg)) + seg)
        seg = seg[:16] + struct.pack("!H", c) + seg[18:]
    return seg


def udp(sport, dport, payload=b"", pseudo=None):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    if pseudo is not None:
        c = csum(pseudo(17, len(seg)) + seg) or 0xFFFF
        seg = seg[:6] + struct.pack("!H", c) + seg[8:]
    return seg


def icmp_echo(ident=0x1234, seq=1, payload=b"ping", kind=8):
    m = struct.pack("!BBHHH", kind, 0, 0, ident, seq) + payload
    c = csum(m)
    return m[:2] + struct.pack("!H", c) + m[4:]


def v4(src, dst):
    return lambda proto, length: _pseudo4(src, dst, proto, length)


def v6(src, dst):
    return lambda proto, length: _pseudo6(src, dst, proto, length)


# Whole frames, the common cases.
def tcp4(src="10.0.0.1", dst="10.0.0.2", sport=40000, dport=80, payload=b"GET /", **kw):
    return eth(0x0800, ipv4(src, dst, 6, tcp(sport, dport, payload, pseudo=v4(src, dst)), **kw))


def udp4(src="10.0.0.1", dst="10.0.0.2", sport=40000, dport=53, payload=b"query", **kw):
    return eth(0x0800, ipv4(src, dst, 17, udp(sport, dport, payload, pseudo=v4(src, dst)), **kw))


def tcp6(src="2001:db8::1", dst="2001:db8::2", sport=40000, dport=443, payload=b"hello"):
    return eth(0x86DD, ipv6(src, dst, 6, tcp(sport, dport, payload, pseudo=v6(src, dst))))


def udp6(src="2001:db8::1", dst="2001:db8::2", sport=40000, dport=53, payload=b"query"):
    return eth(0x86DD, ipv6(src, dst, 17, udp(sport, dport, payload, pseudo=v6(src, dst))))


def icmp4(src="10.0.0.1", dst="10.0.0.2", kind=8):
    return eth(0x0800, ipv4(src, dst, 1, icmp_echo(kind=kind)))


def arp():
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, MAC_A, ip4addr("10.0.0.1"), b"\0" * 6,
                       ip4addr("10.0.0.2"))
    return eth(0x0806, body, dst=b"\xff" * 6)


def tagged(frame, tags):
    """Inserts VLAN tags [(tpid, tci), ...] after the MAC addresses of a frame."""
    macs, rest = frame[:12], frame[12:]
    for tpid, tci in reversed(tags):
        rest = struct.pack("!HH", tpid, tci) + rest
    return macs + rest


def zeros(n):
    return b"\0" * n
