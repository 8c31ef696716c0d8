// Test object for bpf4j-object: an iproute2-style legacy "maps" section (struct bpf_elf_map,
// 36 bytes) with a map of maps by inner_id/inner_idx, compiled without BTF. Rebuild with ./build.sh.
#include <linux/bpf.h>

#define SEC(n) __attribute__((section(n), used))

struct bpf_elf_map {
	unsigned int type, size_key, size_value, max_elem, flags, id, pinning, inner_id, inner_idx;
};

struct bpf_elf_map SEC("maps") template = {
	.type = BPF_MAP_TYPE_HASH, .size_key = 4, .size_value = 8, .max_elem = 16, .id = 1, .pinning = 2,
};
struct bpf_elf_map SEC("maps") outer = {
	.type = BPF_MAP_TYPE_ARRAY_OF_MAPS, .size_key = 4, .size_value = 4, .max_elem = 8, .id = 2, .inner_id = 1,
};
struct bpf_elf_map SEC("maps") member = {
	.type = BPF_MAP_TYPE_HASH, .size_key = 4, .size_value = 8, .max_elem = 16, .id = 3, .inner_id = 2,
	.inner_idx = 5,
};

static void *(*map_lookup)(void *map, const void *key) = (void *)BPF_FUNC_map_lookup_elem;

SEC("classifier") int cls_main(struct __sk_buff *skb)
{
	int key = 0;
	void *inner = map_lookup(&outer, &key);
	return inner ? 1 : map_lookup(&member, &key) != 0;
}

char __license[] SEC("license") = "GPL";
unsigned int __version SEC("version") = 0x050a00;
