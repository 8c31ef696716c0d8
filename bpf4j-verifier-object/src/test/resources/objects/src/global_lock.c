/* bpf_spin_lock and bpf_timer in global data (.bss, .data): clang leaves the DATASEC variables'
 * offsets 0, the loader takes them from the ELF symbols. */
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct counted {
    __u64 count;
    struct bpf_spin_lock lock;
};

struct armed {
    struct bpf_timer timer;
    __u64 fired;
};

__u64 before;
struct counted counter;
__u64 hits = 1;
struct armed alarm;

/* Counts under the lock of a global variable that is not the first of .bss. */
SEC("tc")
int count_global(struct __sk_buff *skb)
{
    bpf_spin_lock(&counter.lock);
    counter.count++;
    bpf_spin_unlock(&counter.lock);
    before++;
    return TC_ACT_OK;
}

/* Leaves the global lock held: refused. */
SEC("tc")
int global_lock_leak(struct __sk_buff *skb)
{
    bpf_spin_lock(&counter.lock);
    counter.count++;
    return TC_ACT_OK;
}

/* Reads the timer of a global variable (not the first of its section) as data: refused. */
SEC("tc")
int read_global_timer(struct __sk_buff *skb)
{
    hits++;
    return *(volatile __u32 *)((char *)&alarm.timer + 4);
}

/* Reads the global next to the timer: accepted. */
SEC("tc")
int read_next_to_timer(struct __sk_buff *skb)
{
    return alarm.fired + before;
}

/* Reads the lock word of the global as data: refused. */
SEC("tc")
int read_global_lock(struct __sk_buff *skb)
{
    return *(volatile __u32 *)&counter.lock;
}

char LICENSE[] SEC("license") = "GPL";
