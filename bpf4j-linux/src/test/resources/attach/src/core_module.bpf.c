// CO-RE against module BTF for bpf4j-linux's tests: 'struct bpf4j_mod_thing' is in no kernel's
// vmlinux BTF, so its relocations must be resolved against a module's (split) BTF. The program
// returns the byte offset of member 'b' in the target's struct (4 here, in this local definition).
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>

char LICENSE[] SEC("license") = "GPL";

struct bpf4j_mod_thing {
    int a;
    int b;
} __attribute__((preserve_access_index));

SEC("socket")
int mod_offset(struct __sk_buff *skb) {
    struct bpf4j_mod_thing *t = 0;
    return bpf_core_field_offset(t->b);
}
