/* Shared declarations of the bpf4j test programs. */
#ifndef BPF4J_TESTPROGS_COMMON_H
#define BPF4J_TESTPROGS_COMMON_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

/* The first 8 bytes of an ICMP message (linux/icmp.h pulls in libc headers). */
struct icmphdr {
	__u8 type;
	__u8 code;
	__sum16 checksum;
	__be16 id;
	__be16 sequence;
};
#define ICMP_ECHOREPLY 0
#define ICMP_ECHO 8

/* An 802.1Q / 802.1ad tag as it follows the MAC addresses. */
struct vlan_tag {
	__be16 tci;
	__be16 next_proto;
};

/* A result slot array every program may write: results[i] = value. */
#define RESULTS(n)                                            \
	struct {                                              \
		__uint(type, BPF_MAP_TYPE_ARRAY);             \
		__uint(max_entries, n);                       \
		__type(key, __u32);                           \
		__type(value, __s64);                         \
	} results SEC(".maps")

static __always_inline void put_result(void *map, __u32 idx, __s64 value)
{
	__s64 *slot = bpf_map_lookup_elem(map, &idx);

	if (slot)
		*slot = value;
}

#endif
