// User-space probes for bpf4j-linux's attach tests, attached to functions and the USDT probe of
// the test binary 'target' (src/target.c). Registers are read with bpf_tracing.h's PT_REGS_*
// macros, so build.sh builds the object for the host's architecture (__TARGET_ARCH_*).
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "GPL";

/* Slots of 'results'. */
#define UPROBE_HITS 0
#define UPROBE_ARG_SUM 1
#define URETPROBE_HITS 2
#define URETPROBE_RET_SUM 3
#define MULTI_COOKIE_SUM 4
#define MULTI_HITS 5
#define USDT_HITS 6
#define USDT_ARG0_SUM 7
#define USDT_ARG1_LAST 8
#define USDT_BAD_SPEC 9

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} results SEC(".maps");

#include "bpf4j_usdt.h"

static __always_inline void add(__u32 slot, __u64 v) {
    __u64 *c = bpf_map_lookup_elem(&results, &slot);
    if (c)
        __sync_fetch_and_add(c, v);
}

static __always_inline void set(__u32 slot, __u64 v) {
    __u64 *c = bpf_map_lookup_elem(&results, &slot);
    if (c)
        *c = v;
}

SEC("uprobe")
int on_add(struct pt_regs *ctx) {
    add(UPROBE_HITS, 1);
    add(UPROBE_ARG_SUM, (__u32) PT_REGS_PARM1(ctx));
    return 0;
}

SEC("uretprobe")
int on_add_return(struct pt_regs *ctx) {
    add(URETPROBE_HITS, 1);
    add(URETPROBE_RET_SUM, (__u32) PT_REGS_RC(ctx));
    return 0;
}

SEC("uprobe.multi")
int on_multi(struct pt_regs *ctx) {
    add(MULTI_HITS, 1);
    add(MULTI_COOKIE_SUM, bpf_get_attach_cookie(ctx));
    return 0;
}

SEC("usdt")
int on_tick(struct pt_regs *ctx) {
    long a0, a1;
    add(USDT_HITS, 1);
    if (bpf4j_usdt_nargs(ctx) != 2 || bpf4j_usdt_arg(ctx, 0, &a0) || bpf4j_usdt_arg(ctx, 1, &a1)) {
        add(USDT_BAD_SPEC, 1);
        return 0;
    }
    add(USDT_ARG0_SUM, a0);
    set(USDT_ARG1_LAST, a1);
    return 0;
}
