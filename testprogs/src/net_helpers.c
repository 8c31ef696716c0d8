/*
 * More networking helpers and program types: bpf_xdp_load_bytes / bpf_xdp_store_bytes /
 * bpf_xdp_get_buff_len, VLAN push and pop,
 * bpf_skb_change_tail, bpf_skb_adjust_room, a spin lock in a map value, the skb hash and socket
 * cookie (properties only: both come from per-boot random state or counters), a tc action
 * (sched_act) and cgroup_skb programs.
 */
#include "common.h"

RESULTS(32);

struct locked {
	struct bpf_spin_lock lock;
	__u32 pad;
	__u64 count;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct locked);
} stats SEC(".maps");

SEC("xdp")
int xdp_bytes(struct xdp_md *ctx)
{
	__u8 buf[8] = {};
	__u8 mark[4] = { 0xde, 0xad, 0xbe, 0xef };

	put_result(&results, 0, bpf_xdp_get_buff_len(ctx));
	put_result(&results, 1, bpf_xdp_load_bytes(ctx, 6, buf, 6));
	put_result(&results, 2, buf[5]);
	put_result(&results, 3, bpf_xdp_load_bytes(ctx, bpf_xdp_get_buff_len(ctx) - 2, buf, 4));
	put_result(&results, 4, bpf_xdp_store_bytes(ctx, 0, mark, 4));
	put_result(&results, 5, bpf_xdp_store_bytes(ctx, bpf_xdp_get_buff_len(ctx) - 4, mark, 4));
	put_result(&results, 6, bpf_xdp_store_bytes(ctx, bpf_xdp_get_buff_len(ctx) - 3, mark, 4));
	return XDP_PASS;
}

SEC("tc")
int tc_vlan(struct __sk_buff *skb)
{
	put_result(&results, 0, skb->vlan_present);
	put_result(&results, 1, bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021Q), 42));
	put_result(&results, 2, skb->vlan_present);
	put_result(&results, 3, skb->vlan_tci);
	put_result(&results, 4, skb->vlan_proto);
	put_result(&results, 5, bpf_skb_vlan_push(skb, bpf_htons(ETH_P_8021AD), 7));
	put_result(&results, 6, skb->len);
	put_result(&results, 7, bpf_skb_vlan_pop(skb));
	put_result(&results, 8, skb->vlan_tci);
	put_result(&results, 9, skb->len);
	put_result(&results, 10, bpf_skb_vlan_push(skb, bpf_htons(0x1234), 1));
	return TC_ACT_OK;
}

SEC("tc")
int tc_resize(struct __sk_buff *skb)
{
	__u32 len = skb->len;

	put_result(&results, 0, bpf_skb_change_tail(skb, len + 10, 0));
	put_result(&results, 1, skb->len);
	put_result(&results, 2, bpf_skb_change_tail(skb, len - 4, 0));
	put_result(&results, 3, skb->len);
	put_result(&results, 4, bpf_skb_adjust_room(skb, 8, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 5, skb->len);
	put_result(&results, 6, bpf_skb_adjust_room(skb, -8, BPF_ADJ_ROOM_NET, 0));
	put_result(&results, 7, skb->len);
	put_result(&results, 8, bpf_skb_change_tail(skb, 0xffff + 1, 0));
	return TC_ACT_OK;
}

SEC("tc")
int tc_locked(struct __sk_buff *skb)
{
	__u32 k = 0;
	struct locked *s = bpf_map_lookup_elem(&stats, &k);

	if (!s)
		return TC_ACT_SHOT;
	bpf_spin_lock(&s->lock);
	s->count++;
	s->bytes += skb->len;
	bpf_spin_unlock(&s->lock);
	return TC_ACT_OK;
}

SEC("tc")
int tc_hash_cookie(struct __sk_buff *skb)
{
	__u32 h1 = bpf_get_hash_recalc(skb), h2 = bpf_get_hash_recalc(skb);
	__u64 c1 = bpf_get_socket_cookie(skb), c2 = bpf_get_socket_cookie(skb);

	put_result(&results, 0, h1 == h2);
	put_result(&results, 1, skb->hash == h1);
	put_result(&results, 2, c1 == c2);
	put_result(&results, 3, c1 != 0);
	return TC_ACT_OK;
}

/* A tc action: TC_ACT_PIPE for IPv4, TC_ACT_SHOT for the rest, and the mark set to the length. */
SEC("action")
int act_mark(struct __sk_buff *skb)
{
	skb->mark = skb->len;
	return skb->protocol == bpf_htons(ETH_P_IP) ? TC_ACT_PIPE : TC_ACT_SHOT;
}

/* cgroup_skb: allows (1) IPv6 and UDP/53 over IPv4, denies (0) the rest; sees the packet from the
 * network header. */
SEC("cgroup_skb/ingress")
int cg_ingress(struct __sk_buff *skb)
{
	__u8 hdr[24];

	put_result(&results, 0, skb->len);
	put_result(&results, 1, skb->protocol);
	put_result(&results, 2, skb->data_end - skb->data);
	if (skb->protocol == bpf_htons(ETH_P_IPV6))
		return 1;
	if (bpf_skb_load_bytes(skb, 0, hdr, sizeof(hdr)) < 0)
		return 0;
	put_result(&results, 3, hdr[9]);
	return hdr[9] == IPPROTO_UDP && hdr[22] == 0 && hdr[23] == 53;
}

char LICENSE[] SEC("license") = "GPL";
