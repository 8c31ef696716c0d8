// Networking programs for bpf4j-linux's attach tests: each counts what it sees in its own slot of
// 'counts'. The XDP and tcx programs count UDP datagrams to port 7777 over IPv4.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "GPL";

#define PORT 7777
#define TCX_NEXT (-1) /* enum tcx_action_base, newer than the headers here */
#define SLOT_XDP 0
#define SLOT_TCX 1
#define SLOT_SOCKET 2
#define SLOT_CG_EGRESS 3
#define SLOT_CG_INGRESS 4
#define SLOT_SOCK_CREATE 5
#define SLOT_CONNECT4 6
#define SLOT_CONNECT6 7

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

static __always_inline void bump(__u32 slot) {
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    if (c)
        __sync_fetch_and_add(c, 1);
}

SEC("xdp")
int xdp_count(struct xdp_md *ctx) {
    void *data = (void *) (long) ctx->data;
    void *end = (void *) (long) ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *) (eth + 1) > end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_PASS;
    struct iphdr *ip = (void *) (eth + 1);
    if ((void *) (ip + 1) > end || ip->protocol != IPPROTO_UDP || ip->ihl != 5)
        return XDP_PASS;
    struct udphdr *udp = (void *) (ip + 1);
    if ((void *) (udp + 1) > end)
        return XDP_PASS;
    if (udp->dest == bpf_htons(PORT))
        bump(SLOT_XDP);
    return XDP_PASS;
}

SEC("tcx/ingress")
int tcx_count(struct __sk_buff *skb) {
    struct iphdr ip;
    struct udphdr udp;
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return TCX_NEXT;
    if (bpf_skb_load_bytes(skb, ETH_HLEN, &ip, sizeof(ip)) || ip.protocol != IPPROTO_UDP || ip.ihl != 5)
        return TCX_NEXT;
    if (bpf_skb_load_bytes(skb, ETH_HLEN + sizeof(ip), &udp, sizeof(udp)))
        return TCX_NEXT;
    if (udp.dest == bpf_htons(PORT))
        bump(SLOT_TCX);
    return TCX_NEXT;
}

/* Keeps messages that start with 'A' and drops the others. */
SEC("socket")
int socket_keep_a(struct __sk_buff *skb) {
    __u8 first = 0;
    bump(SLOT_SOCKET);
    if (bpf_skb_load_bytes(skb, 0, &first, 1))
        return 0;
    return first == 'A' ? skb->len : 0;
}

SEC("cgroup_skb/egress")
int cg_egress(struct __sk_buff *skb) {
    bump(SLOT_CG_EGRESS);
    return 1;
}

SEC("cgroup_skb/ingress")
int cg_ingress(struct __sk_buff *skb) {
    bump(SLOT_CG_INGRESS);
    return 1;
}

SEC("cgroup/sock_create")
int cg_sock_create(struct bpf_sock *sk) {
    bump(SLOT_SOCK_CREATE);
    return 1;
}

SEC("cgroup/connect4")
int cg_connect4(struct bpf_sock_addr *ctx) {
    bump(SLOT_CONNECT4);
    return 1;
}

SEC("cgroup/connect6")
int cg_connect6(struct bpf_sock_addr *ctx) {
    bump(SLOT_CONNECT6);
    return 1;
}
