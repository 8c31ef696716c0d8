/* A BTF-defined map whose map_extra is libbpf's __ulong: an enum of one 64-bit enumerator (ENUM64
 * in BTF), as cilium/ebpf's arena map gives its mmap address; and one with __uint. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __ulong(name, val) enum { ___bpf4j_##name = val } name

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__uint(value_size, 4);
	__ulong(map_extra, 0x1ull << 44);
} wide SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__uint(max_entries, 16);
	__uint(value_size, 4);
	__uint(map_extra, 3);
} narrow SEC(".maps");

SEC("socket")
int prog(void *ctx)
{
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
