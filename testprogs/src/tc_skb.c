/*
 * tc (sched_cls) programs over __sk_buff: the context fields a test run gives and the ones a
 * program may write, bpf_skb_load_bytes / bpf_skb_store_bytes, IPv4 destination NAT with
 * bpf_l3_csum_replace and bpf_l4_csum_replace, bpf_csum_diff, bpf_skb_pull_data and redirect
 * verdicts.
 */
#include "common.h"
#include <stddef.h>

RESULTS(32);

/* Records what the context holds, then writes the writable fields (they come back in ctx_out). */
SEC("tc")
int tc_fields(struct __sk_buff *skb)
{
	put_result(&results, 0, skb->len);
	put_result(&results, 1, skb->protocol);
	put_result(&results, 2, skb->pkt_type);
	put_result(&results, 3, skb->mark);
	put_result(&results, 4, skb->priority);
	put_result(&results, 5, skb->ifindex);
	put_result(&results, 6, skb->ingress_ifindex);
	put_result(&results, 7, skb->cb[0]);
	put_result(&results, 8, skb->cb[4]);
	put_result(&results, 9, skb->data_end - skb->data);
	put_result(&results, 10, skb->queue_mapping);
	put_result(&results, 11, skb->vlan_present);
	put_result(&results, 12, skb->tc_index);
	put_result(&results, 13, skb->wire_len);
	put_result(&results, 14, skb->gso_segs);
	put_result(&results, 15, skb->data_meta == skb->data);
	put_result(&results, 16, skb->tstamp);
	skb->mark = skb->mark * 2 + 1;
	skb->priority = 7;
	skb->cb[1] = 0xc0ffee;
	skb->tc_classid = 0x10002;
	skb->tc_index = 3;
	return TC_ACT_OK;
}

#define IP_DST_OFF (ETH_HLEN + offsetof(struct iphdr, daddr))
#define IP_CSUM_OFF (ETH_HLEN + offsetof(struct iphdr, check))

/* Rewrites the IPv4 destination to 192.168.0.1 and the TCP/UDP destination port to 8080. */
SEC("tc")
int tc_nat(struct __sk_buff *skb)
{
	struct iphdr ip;
	__be32 new_dst = bpf_htonl(0xc0a80001);
	__be16 new_port = bpf_htons(8080);
	__u32 l4off, csum_off;
	__be16 old_port;
	long rc;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return TC_ACT_OK;
	if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) < 0)
		return TC_ACT_SHOT;
	if (ip.ihl != 5 || (ip.protocol != IPPROTO_TCP && ip.protocol != IPPROTO_UDP))
		return TC_ACT_OK;
	l4off = ETH_HLEN + sizeof(ip);
	csum_off = l4off + (ip.protocol == IPPROTO_TCP ? offsetof(struct tcphdr, check) : offsetof(struct udphdr, check));
	if (bpf_skb_load_bytes(skb, l4off + 2, &old_port, sizeof(old_port)) < 0)
		return TC_ACT_SHOT;
	rc = bpf_l4_csum_replace(skb, csum_off, ip.daddr, new_dst, BPF_F_PSEUDO_HDR | sizeof(new_dst));
	put_result(&results, 0, rc);
	rc = bpf_l4_csum_replace(skb, csum_off, old_port, new_port, sizeof(new_port));
	put_result(&results, 1, rc);
	rc = bpf_l3_csum_replace(skb, IP_CSUM_OFF, ip.daddr, new_dst, sizeof(new_dst));
	put_result(&results, 2, rc);
	rc = bpf_skb_store_bytes(skb, IP_DST_OFF, &new_dst, sizeof(new_dst), 0);
	put_result(&results, 3, rc);
	rc = bpf_skb_store_bytes(skb, l4off + 2, &new_port, sizeof(new_port), 0);
	put_result(&results, 4, rc);
	/* Out of range and bad flags. */
	put_result(&results, 5, bpf_skb_store_bytes(skb, skb->len, &new_port, sizeof(new_port), 0));
	put_result(&results, 6, bpf_l3_csum_replace(skb, IP_CSUM_OFF, 0, 0, 3));
	put_result(&results, 7, bpf_l4_csum_replace(skb, skb->len, 0, 1, 2));
	return TC_ACT_OK;
}

/* bpf_skb_load_bytes at the edges, and bpf_csum_diff over what it read. */
SEC("tc")
int tc_load(struct __sk_buff *skb)
{
	__u8 buf[16] = {};
	__u32 w[4] = {};
	__u32 len = skb->len;

	put_result(&results, 0, bpf_skb_load_bytes(skb, 0, buf, 14));
	put_result(&results, 1, buf[12] << 8 | buf[13]);
	put_result(&results, 2, bpf_skb_load_bytes(skb, len - 4, buf, 4));
	put_result(&results, 3, bpf_skb_load_bytes(skb, len - 3, buf, 4));
	put_result(&results, 4, bpf_skb_load_bytes(skb, 0x7fffffff, buf, 1));
	if (bpf_skb_load_bytes(skb, 14, w, 16) == 0) {
		put_result(&results, 5, bpf_csum_diff(0, 0, w, 16, 0));
		put_result(&results, 6, bpf_csum_diff(w, 8, w + 2, 8, 0x1234));
		put_result(&results, 7, bpf_csum_diff(w, 4, 0, 0, 0));
	}
	put_result(&results, 8, bpf_csum_diff(w, 3, 0, 0, 0));
	return TC_ACT_OK;
}

/* Direct packet access after bpf_skb_pull_data: copies byte 0 of the payload into the MAC. */
SEC("tc")
int tc_pull(struct __sk_buff *skb)
{
	long rc = bpf_skb_pull_data(skb, 40);
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	__u8 *p = data;

	put_result(&results, 0, rc);
	put_result(&results, 1, end - data);
	if ((void *)(p + 40) > end)
		return TC_ACT_UNSPEC;
	p[0] = p[39];
	return TC_ACT_OK;
}

/* Redirects to the interface index in the packet's last byte; flags from the one before it. */
SEC("tc")
int tc_redirect(struct __sk_buff *skb)
{
	__u8 tail[2];

	if (bpf_skb_load_bytes(skb, skb->len - 2, tail, 2) < 0)
		return TC_ACT_SHOT;
	return bpf_redirect(tail[1], tail[0]);
}

char LICENSE[] SEC("license") = "GPL";
