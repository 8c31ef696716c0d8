// Test object for bpf4j-object: BTF maps, global data, externs, subprograms, callbacks, CO-RE.
// Rebuild with ./build.sh (clang-19, libbpf-dev headers).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct key { int a; long b; };
struct value { char name[16]; unsigned long long count; };

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct key);
	__type(value, struct value);
	__uint(max_entries, 128);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(key_size, 4);
	__uint(value_size, 8);
	__uint(max_entries, 4);
	__uint(numa_node, 1);
} sized SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_BLOOM_FILTER);
	__type(value, int);
	__uint(max_entries, 64);
	__uint(map_extra, 3);
} bloom SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} events SEC(".maps");

struct inner {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, int);
	__type(value, int);
	__uint(max_entries, 1);
} inner_a SEC(".maps"), inner_b SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 4);
	__type(key, int);
	__array(values, struct inner);
} outer SEC(".maps") = {
	.values = { [0] = &inner_a, [2] = &inner_b },
};

int tail_target(struct __sk_buff *skb);

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 3);
	__type(key, int);
	__array(values, int (void *));
} jumps SEC(".maps") = {
	.values = { [1] = (void *)&tail_target },
};

int counter = 7;                       // .data
const volatile int limit = 42;         // .rodata
long zeroes[4];                        // .bss
int custom SEC(".data.custom") = 3;    // .data.custom

extern unsigned int LINUX_KERNEL_VERSION __kconfig;
extern int CONFIG_HZ __kconfig __weak;
extern _Bool CONFIG_BPF_SYSCALL __kconfig __weak;

struct task_struct;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym __weak;
extern const int bpf_prog_active __ksym __weak;

static __noinline int add(int a, int b)
{
	return a + b + counter;
}

__noinline int global_sub(int x)
{
	return add(x, limit) + (int)zeroes[x & 3];
}

static int loop_body(__u32 index, void *ctx)
{
	counter += index;
	return 0;
}

SEC("xdp")
int xdp_main(struct xdp_md *ctx)
{
	struct key k = { .a = 1, .b = 2 };
	struct value *v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		v->count++;
	bpf_loop(4, loop_body, 0, 0);
	bpf_printk("kernel %u hz %d", LINUX_KERNEL_VERSION, CONFIG_HZ);
	return global_sub(ctx->ingress_ifindex) + custom + CONFIG_BPF_SYSCALL;
}

SEC("tc")
int tc_first(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &jumps, 1);
	return add(skb->len, 1);
}

SEC("tc")
int tail_target(struct __sk_buff *skb)
{
	return skb->mark;
}

struct sample_ctx {
	int first;
	int second;
	unsigned int flag : 3;
	unsigned int wide : 9;
} __attribute__((preserve_access_index));

enum sample_kind { KIND_A = 1, KIND_B = 5 };

SEC("kprobe/do_nanosleep")
int core_reads(struct sample_ctx *c)
{
	int r = BPF_CORE_READ(c, second);
	if (bpf_core_field_exists(c->first))
		r += 1;
	r += BPF_CORE_READ_BITFIELD_PROBED(c, wide);
	r += bpf_core_type_size(struct sample_ctx);
	if (bpf_core_type_exists(struct sample_ctx))
		r += 2;
	r += bpf_core_enum_value(enum sample_kind, KIND_B);
	if (bpf_task_acquire)
		r += bpf_task_acquire((struct task_struct *)0) != 0;
	r += *(const int *)&bpf_prog_active;
	return r;
}
