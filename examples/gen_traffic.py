#!/usr/bin/env python3
"""Writes examples/traffic.pcap: a deterministic mix of 24 Ethernet frames for the XDP firewall
example (IPv4/IPv6, TCP/UDP/ICMP, a VLAN tag, ARP, blocked ports, a blocked source prefix and a
truncated header). Classic pcap, microsecond timestamps from 2024-01-01T00:00:00Z, 1 ms apart.

Usage: python3 examples/gen_traffic.py [OUT]"""
import os
import struct
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testprogs", "tools"))
from packets import arp, icmp4, tagged, tcp4, tcp6, udp4, udp6  # noqa: E402

START = 1704067200


def frames():
    return [
        ("web", tcp4(dport=80)),
        ("https", tcp4(dport=443, payload=b"\x16\x03\x01")),
        ("telnet (rule: drop)", tcp4(dport=23)),
        ("dns", udp4(dport=53)),
        ("snmp (rule: drop)", udp4(dport=161)),
        ("smb (rule: drop)", tcp4(dport=445)),
        ("ssh over ipv6", tcp6(dport=22)),
        ("dns over ipv6", udp6(dport=53)),
        ("snmp over ipv6 (rule: drop)", udp6(dport=161)),
        ("telnet over ipv6 (rule: drop)", tcp6(dport=23)),
        ("blocked source 203.0.113.7", tcp4(src="203.0.113.7", dport=80)),
        ("neighbour of the blocked prefix", tcp4(src="203.0.114.7", dport=80)),
        ("ping", icmp4()),
        ("arp", arp()),
        ("vlan 100, web", tagged(tcp4(dport=80), [(0x8100, 100)])),
        ("vlan 100, telnet (rule: drop)", tagged(tcp4(dport=23), [(0x8100, 100)])),
        ("truncated tcp header", tcp4(dport=80)[:14 + 20 + 10]),
        ("ntp", udp4(dport=123)),
        ("web again", tcp4(sport=40001, dport=80)),
        ("telnet again (rule: drop)", tcp4(sport=40002, dport=23)),
        ("quic over ipv6", udp6(dport=443, payload=b"\xc0" + b"q" * 40)),
        ("mail", tcp4(dport=25)),
        ("blocked source, udp", udp4(src="203.0.113.200", dport=53)),
        ("syslog", udp4(dport=514, payload=b"<13>hello")),
    ]


def write(path):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, (_, frame) in enumerate(frames()):
            f.write(struct.pack("<IIII", START, i * 1000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    write(sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                            "traffic.pcap"))
