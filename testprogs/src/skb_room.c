/*
 * The socket-buffer helpers that move the packet inside its buffer, with their error returns, and
 * the legacy packet loads (LD_ABS) after each of them, which must read the changed packet:
 * bpf_skb_adjust_room (MAC and NET modes, IPv4 encapsulation and decapsulation flags, limits),
 * bpf_skb_change_head, bpf_skb_change_proto, bpf_skb_change_type, bpf_skb_vlan_push/pop with
 * tags in the buffer and in the packet.
 */
#include "common.h"
#include <linux/if_packet.h>

RESULTS(24);

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

/* Flags of Linux 6.3 and later that older UAPI headers lack. */
#define ADJ_DECAP_L3_IPV4 (1ULL << 7)
#define ADJ_DECAP_L3_IPV6 (1ULL << 8)

SEC("tc")
int room_encap(struct __sk_buff *skb)
{
	__u8 outer[20];

	put_result(&results, 0, bpf_skb_adjust_room(skb, 8, 7, 0));
	put_result(&results, 1, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 1ULL << 20));
	put_result(&results, 2, bpf_skb_adjust_room(skb, 0x1000, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 3, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC,
						    BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L3_IPV6));
	put_result(&results, 4, bpf_skb_adjust_room(skb, 28, BPF_ADJ_ROOM_MAC,
						    BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE |
							    BPF_F_ADJ_ROOM_ENCAP_L4_UDP));
	put_result(&results, 5, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC,
						    BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2(30)));
	put_result(&results, 6, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, ADJ_DECAP_L3_IPV4));
	put_result(&results, 7, bpf_skb_adjust_room(skb, -100, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 8, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4));
	put_result(&results, 9, skb->len);
	put_result(&results, 10, skb->protocol);
	put_result(&results, 11, bpf_skb_adjust_room(skb, 20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4));
	put_result(&results, 12, bpf_skb_change_tail(skb, skb->len, 0));
	/* The outer header: a copy of the inner one, protocol IPIP. */
	if (bpf_skb_load_bytes(skb, 34, outer, sizeof(outer)) == 0) {
		outer[9] = IPPROTO_IPIP;
		put_result(&results, 13, bpf_skb_store_bytes(skb, 14, outer, sizeof(outer), 0));
	}
	put_result(&results, 14, load_byte(skb, 14 + 9));
	put_result(&results, 15, load_byte(skb, 34 + 9));
	put_result(&results, 16, load_half(skb, 12));
	put_result(&results, 17, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 18, skb->len);
	return TC_ACT_OK;
}

/* Encapsulations that succeed: L4 (UDP, GRE) and L2 (an inner Ethernet header) flags, an IPv6
 * outer header around IPv4 (skb->protocol follows); the network header then starts at the new
 * outer header, as bpf_skb_load_bytes_relative shows. Byte 14+9 of the input picks the kind. */
SEC("tc")
int room_encap_kinds(struct __sk_buff *skb)
{
	__u8 first = 0xee;
	__u64 flags;
	__s32 grow;

	switch (skb->protocol == bpf_htons(ETH_P_IPV6) ? 100 : load_byte(skb, 14 + 1)) {
	case 1: /* IPv4 in IPv4 in UDP */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP;
		grow = 28;
		break;
	case 2: /* IPv4 in IPv4 in GRE */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_GRE;
		grow = 24;
		break;
	case 3: /* Ethernet in IPv4 in UDP (an inner MAC header of 14 bytes) */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L4_UDP | BPF_F_ADJ_ROOM_ENCAP_L2_ETH |
			BPF_F_ADJ_ROOM_ENCAP_L2(14);
		grow = 42;
		break;
	case 4: /* an inner MAC header shorter than Ethernet's, with the Ethernet flag */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_ENCAP_L2_ETH | BPF_F_ADJ_ROOM_ENCAP_L2(10);
		grow = 30;
		break;
	case 5: /* IPv4 in IPv6 */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV6;
		grow = 40;
		break;
	default: /* IPv6 in IPv4, without a checksum reset */
		flags = BPF_F_ADJ_ROOM_ENCAP_L3_IPV4 | BPF_F_ADJ_ROOM_NO_CSUM_RESET;
		grow = 20;
		break;
	}
	put_result(&results, 0, bpf_csum_level(skb, BPF_CSUM_LEVEL_INC));
	put_result(&results, 1, bpf_skb_adjust_room(skb, grow, BPF_ADJ_ROOM_MAC, flags));
	put_result(&results, 2, skb->len);
	put_result(&results, 3, skb->protocol);
	put_result(&results, 4, bpf_csum_level(skb, BPF_CSUM_LEVEL_QUERY));
	put_result(&results, 5, bpf_skb_load_bytes_relative(skb, 0, &first, 1, BPF_HDR_START_NET));
	put_result(&results, 6, first);
	put_result(&results, 7, bpf_skb_load_bytes_relative(skb, grow, &first, 1, BPF_HDR_START_NET));
	put_result(&results, 8, first);
	put_result(&results, 9, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4));
	put_result(&results, 10, bpf_skb_adjust_room(skb, -(grow), BPF_ADJ_ROOM_MAC, 0));
	put_result(&results, 11, skb->len);
	return TC_ACT_OK;
}

SEC("tc")
int room_decap(struct __sk_buff *skb)
{
	__u64 flags = 0;

	put_result(&results, 0, bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC,
						    ADJ_DECAP_L3_IPV4 | ADJ_DECAP_L3_IPV6));
	put_result(&results, 1, bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC, BPF_F_ADJ_ROOM_ENCAP_L3_IPV4));
	if (load_byte(skb, 14 + 9) == IPPROTO_IPV6)
		flags = ADJ_DECAP_L3_IPV6;
	else if (load_byte(skb, 14 + 9) == IPPROTO_IPIP)
		flags = ADJ_DECAP_L3_IPV4;
	put_result(&results, 2, bpf_skb_adjust_room(skb, -20, BPF_ADJ_ROOM_MAC, flags));
	put_result(&results, 3, skb->len);
	put_result(&results, 4, skb->protocol);
	put_result(&results, 5, load_byte(skb, 14));
	put_result(&results, 6, bpf_skb_adjust_room(skb, -4, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 7, skb->len);
	return TC_ACT_OK;
}

SEC("tc")
int room_head(struct __sk_buff *skb)
{
	put_result(&results, 0, bpf_skb_change_head(skb, 14, 1));
	put_result(&results, 1, bpf_skb_change_head(skb, 0xffffffff, 0));
	put_result(&results, 2, bpf_skb_change_head(skb, 20000, 0));
	put_result(&results, 3, bpf_skb_change_head(skb, 14, 0));
	put_result(&results, 4, skb->len);
	put_result(&results, 5, load_half(skb, 14 + 12));
	put_result(&results, 6, load_word(skb, 0));
	return TC_ACT_OK;
}

SEC("tc")
int room_proto(struct __sk_buff *skb)
{
	__u16 to = skb->protocol == bpf_htons(ETH_P_IP) ? ETH_P_IPV6 : ETH_P_IP;

	put_result(&results, 0, bpf_skb_change_proto(skb, bpf_htons(ETH_P_IPV6), 1));
	put_result(&results, 1, bpf_skb_change_proto(skb, bpf_htons(ETH_P_ARP), 0));
	put_result(&results, 2, bpf_skb_change_proto(skb, bpf_htons(to), 0));
	put_result(&results, 3, skb->len);
	put_result(&results, 4, skb->protocol);
	put_result(&results, 5, load_word(skb, 14));
	put_result(&results, 6, bpf_skb_change_type(skb, PACKET_BROADCAST));
	put_result(&results, 7, skb->pkt_type);
	put_result(&results, 8, bpf_skb_change_type(skb, 4));
	put_result(&results, 9, bpf_skb_adjust_room(skb, 4, BPF_ADJ_ROOM_MAC, 0));
	return TC_ACT_OK;
}

SEC("tc")
int vlan_ldabs(struct __sk_buff *skb)
{
	put_result(&results, 0, load_half(skb, 12));
	put_result(&results, 1, bpf_skb_vlan_pop(skb));
	put_result(&results, 2, skb->vlan_present);
	put_result(&results, 3, skb->vlan_tci);
	put_result(&results, 4, skb->protocol);
	put_result(&results, 5, skb->len);
	put_result(&results, 6, bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 5));
	put_result(&results, 7, bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), 6));
	put_result(&results, 8, load_half(skb, 12));
	put_result(&results, 9, load_half(skb, 14));
	put_result(&results, 10, load_half(skb, 16));
	put_result(&results, 11, skb->len);
	put_result(&results, 12, bpf_skb_vlan_pop(skb));
	put_result(&results, 13, load_half(skb, 12));
	put_result(&results, 14, skb->vlan_tci);
	put_result(&results, 15, bpf_skb_vlan_pop(skb));
	put_result(&results, 16, skb->vlan_present);
	put_result(&results, 17, skb->vlan_proto);
	put_result(&results, 18, skb->protocol);
	put_result(&results, 19, skb->len);
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
