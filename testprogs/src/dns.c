/*
 * A socket filter that parses DNS queries over UDP/IPv4: walks the question name label by label
 * with a bounded loop over bpf_skb_load_bytes, hashes it (FNV-1a), counts queries per (name hash,
 * qtype) and keeps only queries for names on a block list (to hand them to user space), dropping
 * the rest. Malformed names (a label past the end, too many labels) are counted and dropped.
 */
#include "common.h"

#define MAX_NAME 64

struct qkey {
	__u32 name_hash;
	__u16 qtype;
	__u16 labels;
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32);
	__type(key, struct qkey);
	__type(value, __u64);
} queries SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8);
	__type(key, __u32);   /* FNV-1a of the name in wire format */
	__type(value, __u32);
} blocked SEC(".maps");

__u64 malformed; /* .bss */

struct walk {
	__u8 name[MAX_NAME];
	__u32 hash;
	__u32 next;    /* index of the next length byte */
	__u32 labels;
	__u32 end;     /* index of the terminating zero; MAX_NAME while not found */
	__u32 bad;
};

/* One byte of the name per iteration; returns 1 to stop. */
static long walk_byte(__u32 i, struct walk *w)
{
	__u8 c;

	if (i >= MAX_NAME)
		return 1;
	c = w->name[i];
	if (i == w->next) {
		if (c == 0) {
			w->end = i;
			return 1;
		}
		if (c > 63 || ++w->labels > 16) {
			w->bad = 1;
			return 1;
		}
		w->next = i + 1 + c;
	}
	w->hash = (w->hash ^ c) * 16777619u;
	return 0;
}

SEC("socket")
int dns(struct __sk_buff *skb)
{
	struct walk w = { .hash = 2166136261u, .end = MAX_NAME };
	__u8 ihl;
	__u16 dport, qtype;
	__u32 off, i, labels;
	__u32 hash;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return 0;
	if (bpf_skb_load_bytes(skb, 0, &ihl, 1) < 0)
		return 0;
	off = (ihl & 0xf) * 4;
	if (bpf_skb_load_bytes(skb, off + 2, &dport, 2) < 0 || dport != bpf_htons(53))
		return 0;
	off += 8 + 12; /* UDP header, DNS header */
	/* The name and what follows, up to 64 bytes; the rest of the buffer stays zero. */
	__u32 avail = skb->len > off ? skb->len - off : 0;

	if (avail > MAX_NAME)
		avail = MAX_NAME;
	if (avail == 0) {
		__sync_fetch_and_add(&malformed, 1);
		return 0;
	}
	/* 1..64, in a form the verifier can bound */
	if (bpf_skb_load_bytes(skb, off, w.name, ((avail - 1) & (MAX_NAME - 1)) + 1) < 0) {
		__sync_fetch_and_add(&malformed, 1);
		return 0;
	}
	bpf_loop(MAX_NAME, walk_byte, &w, 0);
	if (w.bad || w.end >= MAX_NAME - 2) {
		__sync_fetch_and_add(&malformed, 1);
		return 0;
	}
	i = w.end;
	hash = w.hash;
	labels = w.labels;
	if (bpf_skb_load_bytes(skb, off + i + 1, &qtype, 2) < 0) {
		__sync_fetch_and_add(&malformed, 1);
		return 0;
	}
	struct qkey k = { .name_hash = hash, .qtype = bpf_ntohs(qtype), .labels = labels };
	__u64 one = 1, *n = bpf_map_lookup_elem(&queries, &k);

	if (n)
		__sync_fetch_and_add(n, 1);
	else
		bpf_map_update_elem(&queries, &k, &one, BPF_NOEXIST);
	return bpf_map_lookup_elem(&blocked, &hash) ? skb->len : 0;
}

char LICENSE[] SEC("license") = "GPL";
