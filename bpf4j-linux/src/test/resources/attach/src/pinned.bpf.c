// Maps pinned by name for bpf4j-linux's pinning tests: a socket filter that counts its runs in
// 'pin_counts' (pinned by name) and reads its verdict from 'pin_config' (pinned by name), so that
// a second load reusing the pins sees what the first one left. 'local_scratch' is not pinned.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} pin_counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
    __uint(pinning, LIBBPF_PIN_BY_NAME);
} pin_config SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} local_scratch SEC(".maps");

SEC("socket")
int count_runs(struct __sk_buff *skb) {
    __u32 zero = 0;
    __u64 one = 1;
    __u64 *c = bpf_map_lookup_elem(&pin_counts, &zero);
    if (c)
        __sync_fetch_and_add(c, 1);
    else
        bpf_map_update_elem(&pin_counts, &zero, &one, BPF_NOEXIST);
    __u64 *s = bpf_map_lookup_elem(&local_scratch, &zero);
    if (s)
        *s += 1;
    __u32 *verdict = bpf_map_lookup_elem(&pin_config, &zero);
    return verdict ? *verdict : 0;
}
