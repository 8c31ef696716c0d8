// Test object for bpf4j-object: every BTF kind clang emits, for the BTF parser and C writer.
// Rebuild with ./build.sh.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

#define __tag(x) __attribute__((btf_decl_tag(x)))
#define __user __attribute__((btf_type_tag("user")))

enum big { BIG_SMALL = 1, BIG_LARGE = 0x1234567890LL };
enum small { SMALL_NEG = -2, SMALL_POS = 3 };
typedef unsigned long long u64_t;

union number {
	int i;
	float f;
	double d;
};

struct every {
	const volatile int cv;
	char *restrict name;
	int __user *user_ptr;
	unsigned int bits : 5;
	unsigned int more : 3;
	union number n;
	enum big b;
	enum small s;
	u64_t array[2][3];
	struct {
		int inner;
	} anon;
	int (*callback)(struct every *e, long x);
	struct forward *fwd;
	int counter __tag("counter_tag");
} __tag("struct_tag");

struct every every_var;

__noinline int tagged(int x __tag("arg_tag"), struct every *e) __tag("func_tag")
{
	return x + e->counter;
}

SEC("socket")
int use_all(struct __sk_buff *skb)
{
	return tagged(skb->len, &every_var) + every_var.n.i;
}

char LICENSE[] SEC("license") = "GPL";
