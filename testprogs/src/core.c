/*
 * CO-RE against the context types: the program's own view of xdp_md and __sk_buff (with a
 * ___local suffix and preserve_access_index) has its field offsets relocated to the target's,
 * and bpf_core_* queries ask whether fields, types and enumerators exist.
 */
#include "common.h"
#include <bpf/bpf_core_read.h>

RESULTS(24);

/* Fields in another order than the real struct xdp_md: relocation must fix the offsets. */
struct xdp_md___local {
	__u32 ingress_ifindex;
	__u32 data_end;
	__u32 data;
	__u32 no_such_field;
} __attribute__((preserve_access_index));

struct __sk_buff___local {
	__u32 mark;
	__u32 len;
	__u32 protocol;
	__u32 not_in_kernel;
} __attribute__((preserve_access_index));

enum xdp_action___local { XDP_PASS___local = 2, XDP_TX___local = 3, XDP_NOPE___local = 99 };

SEC("xdp")
int core_xdp(struct xdp_md *ctx)
{
	struct xdp_md___local *c = (void *)ctx;

	put_result(&results, 0, c->data_end - c->data);
	put_result(&results, 1, c->ingress_ifindex);
	put_result(&results, 2, bpf_core_field_exists(c->no_such_field));
	put_result(&results, 3, bpf_core_field_exists(c->data_end));
	put_result(&results, 4, bpf_core_field_offset(struct xdp_md___local, data_end));
	put_result(&results, 5, bpf_core_field_size(struct xdp_md___local, data));
	put_result(&results, 6, bpf_core_type_exists(struct xdp_md___local));
	put_result(&results, 7, bpf_core_type_size(struct xdp_md___local));
	put_result(&results, 8, bpf_core_enum_value_exists(enum xdp_action___local, XDP_TX___local));
	put_result(&results, 9, bpf_core_enum_value_exists(enum xdp_action___local, XDP_NOPE___local));
	put_result(&results, 10, bpf_core_enum_value(enum xdp_action___local, XDP_TX___local));
	return bpf_core_enum_value(enum xdp_action___local, XDP_PASS___local);
}

SEC("tc")
int core_tc(struct __sk_buff *skb)
{
	struct __sk_buff___local *s = (void *)skb;

	put_result(&results, 0, s->len);
	put_result(&results, 1, s->protocol);
	put_result(&results, 2, s->mark);
	put_result(&results, 3, bpf_core_field_exists(s->not_in_kernel));
	put_result(&results, 4, bpf_core_field_offset(struct __sk_buff___local, protocol));
	put_result(&results, 5, bpf_core_type_size(struct __sk_buff___local));
	return TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
