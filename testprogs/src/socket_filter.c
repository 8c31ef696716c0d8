/*
 * Socket filters: the return value is how many bytes of the packet to keep (0 drops it). In a
 * test run the data starts at the network header, as on a socket. Uses direct context fields,
 * bpf_skb_load_bytes and the legacy packet loads (LD_ABS / LD_IND) through clang's builtins.
 */
#include "common.h"

RESULTS(16);

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");
unsigned long long load_word(void *skb, unsigned long long off) asm("llvm.bpf.load.word");

/* Keeps UDP to port 53 whole, the first 64 bytes of TCP, and drops the rest. */
SEC("socket")
int sock_dns(struct __sk_buff *skb)
{
	__u8 proto, ihl;
	__u16 dport;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	ihl = load_byte(skb, 0) & 0xf;
	proto = load_byte(skb, 9);
	dport = load_half(skb, ihl * 4 + 2);
	put_result(&results, 0, ihl);
	put_result(&results, 1, proto);
	put_result(&results, 2, dport);
	put_result(&results, 3, load_word(skb, 16));
	if (proto == IPPROTO_UDP && dport == 53)
		return skb->len;
	if (proto == IPPROTO_TCP)
		return 64;
	return 0;
}

/* What a socket filter sees: length, protocol, and the first bytes through bpf_skb_load_bytes. */
SEC("socket")
int sock_view(struct __sk_buff *skb)
{
	__u8 b[4];

	put_result(&results, 0, skb->len);
	put_result(&results, 1, skb->protocol);
	put_result(&results, 2, skb->pkt_type);
	put_result(&results, 3, skb->ifindex);
	put_result(&results, 4, bpf_skb_load_bytes(skb, 0, b, 4));
	put_result(&results, 5, b[0]);
	return skb->len > 40 ? 40 : skb->len;
}

/* A legacy load past the end ends the program with 0, whatever follows. */
SEC("socket")
int sock_ldabs_oob(struct __sk_buff *skb)
{
	put_result(&results, 0, 1);
	put_result(&results, 1, load_word(skb, 1000));
	put_result(&results, 2, 2);
	return 77;
}

char LICENSE[] SEC("license") = "GPL";
