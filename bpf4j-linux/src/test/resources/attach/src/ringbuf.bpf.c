// Ring buffer records of known shapes for RingBufferReaderTest, written by a socket filter run
// with BPF_PROG_TEST_RUN: per run, a submitted record, a discarded one, then an 'output' record
// of 13 bytes (not a multiple of 8). Every record carries the run's sequence number.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} ring SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} seq SEC(".maps");

struct big {
    __u64 seq;
    __u64 kind;
    __u8 fill[40];
};

SEC("socket")
int emit(struct __sk_buff *skb) {
    __u32 zero = 0;
    __u64 *s = bpf_map_lookup_elem(&seq, &zero);
    if (!s)
        return 0;
    __u64 n = __sync_fetch_and_add(s, 1);
    struct big *a = bpf_ringbuf_reserve(&ring, sizeof(*a), 0);
    if (a) {
        a->seq = n;
        a->kind = 1;
        for (int i = 0; i < 40; i++)
            a->fill[i] = (__u8) (n + i);
        bpf_ringbuf_submit(a, 0);
    }
    struct big *d = bpf_ringbuf_reserve(&ring, sizeof(*d), 0);
    if (d) {
        d->seq = n;
        d->kind = 2;
        bpf_ringbuf_discard(d, 0);
    }
    __u8 small[13] = {};
    __builtin_memcpy(small, &n, 8);
    small[12] = 0x5a;
    bpf_ringbuf_output(&ring, small, sizeof(small), 0);
    return 1;
}
