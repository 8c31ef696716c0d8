// BTF-based tracing programs (fentry, fexit, LSM, iterator) for bpf4j-linux's attach tests. On
// machines whose lockdown refuses them, the tests that use this object skip with the kernel's reason.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} hits SEC(".maps");

static __always_inline void bump(__u32 slot) {
    __u64 *c = bpf_map_lookup_elem(&hits, &slot);
    if (c)
        __sync_fetch_and_add(c, 1);
}

SEC("fentry/do_sys_openat2")
int on_fentry(__u64 *ctx) {
    bump(0);
    return 0;
}

SEC("fexit/do_sys_openat2")
int on_fexit(__u64 *ctx) {
    bump(1);
    return 0;
}

SEC("lsm/file_open")
int on_file_open(__u64 *ctx) {
    bump(2);
    return 0;
}

/*
 * bpf_iter__bpf_map's context: ctx[0] is the struct bpf_iter_meta pointer (whose first field is
 * the seq_file), ctx[1] the map or NULL at the end. Writes one 'm' per map.
 */
struct seq_file;

SEC("iter/bpf_map")
int on_iter_map(__u64 *ctx) {
    struct seq_file *seq = *(struct seq_file **) ctx[0];
    if (!ctx[1])
        return 0;
    bump(3);
    char m = 'm';
    bpf_seq_write(seq, &m, 1);
    return 0;
}
