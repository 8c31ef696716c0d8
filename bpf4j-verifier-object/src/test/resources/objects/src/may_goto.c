/* may_goto: loops bounded by the kernel's loop budget (the cond_break macro of the kernel's
 * bpf_experimental.h, written out here), with and without a bounds check on the index. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define cond_break                                              \
    ({                                                          \
        __label__ l_break, l_continue;                          \
        asm volatile goto("may_goto %l[l_break]" :::: l_break); \
        goto l_continue;                                        \
    l_break:                                                    \
        break;                                                  \
    l_continue:;                                                \
    })

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, int);
    __type(value, char[64]);
} buf SEC(".maps");

int out;

SEC("tc")
int endless_sum(struct __sk_buff *skb)
{
    int i = 0;

    while (1) {
        i++;
        out += i;
        cond_break;
    }
    return 0;
}

SEC("tc")
int fill_checked(struct __sk_buff *skb)
{
    int key = 0;
    char *v = bpf_map_lookup_elem(&buf, &key);
    unsigned int i = 0;

    if (!v)
        return 0;
    while (1) {
        if (i >= 64)
            break;
        v[i] = 1;
        i++;
        cond_break;
    }
    return 0;
}

SEC("tc")
int fill_unchecked(struct __sk_buff *skb)
{
    int key = 0;
    char *v = bpf_map_lookup_elem(&buf, &key);
    unsigned int i = 0;

    if (!v)
        return 0;
    while (1) {
        v[i] = 1;
        i++;
        cond_break;
    }
    return 0;
}
