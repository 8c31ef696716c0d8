// Two TCP congestion controls as struct_ops for bpf4j-linux's struct_ops tests: 'bpf4j_link_cc'
// in .struct_ops.link (registered through a BPF_LINK_CREATE link) and 'bpf4j_upd_cc' in
// .struct_ops (registered by updating its map). Both keep Reno-like behaviour; they exist to
// appear in net.ipv4.tcp_available_congestion_control while registered. The struct below
// declares only the members used: the loader matches members by name with the kernel's struct.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

struct sock;

struct tcp_congestion_ops {
    __u32 (*ssthresh)(struct sock *sk);
    void (*cong_avoid)(struct sock *sk, __u32 ack, __u32 acked);
    __u32 (*undo_cwnd)(struct sock *sk);
    char name[16];
};

SEC("struct_ops/ssthresh")
__u32 BPF_PROG(b4j_ssthresh, struct sock *sk) {
    return 10;
}

SEC("struct_ops/cong_avoid")
void BPF_PROG(b4j_cong_avoid, struct sock *sk, __u32 ack, __u32 acked) {
}

SEC("struct_ops/undo_cwnd")
__u32 BPF_PROG(b4j_undo_cwnd, struct sock *sk) {
    return 10;
}

SEC(".struct_ops.link")
struct tcp_congestion_ops bpf4j_link_cc = {
    .ssthresh = (void *) b4j_ssthresh,
    .cong_avoid = (void *) b4j_cong_avoid,
    .undo_cwnd = (void *) b4j_undo_cwnd,
    .name = "bpf4j_link_cc",
};

SEC(".struct_ops")
struct tcp_congestion_ops bpf4j_upd_cc = {
    .ssthresh = (void *) b4j_ssthresh,
    .cong_avoid = (void *) b4j_cong_avoid,
    .undo_cwnd = (void *) b4j_undo_cwnd,
    .name = "bpf4j_upd_cc",
};
