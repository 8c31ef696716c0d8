// User-space probes for bpf4j-linux's attach tests, attached to functions and the USDT probe of
// the test binary 'target' (src/target.c).
#include <linux/bpf.h>
#include <linux/ptrace.h>
#include <bpf/bpf_helpers.h>

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

/*
 * One USDT argument as bpf4j's UsdtArgument describes it: kind 0 is a constant (val_off),
 * 1 a register (the 8 bytes at reg_off in struct pt_regs), 2 memory at register + val_off.
 */
struct usdt_arg {
    __u32 kind;
    __u32 reg_off;
    __s64 val_off;
    __u32 size;
    __u32 is_signed;
};

struct usdt_spec {
    __u32 nargs;
    __u32 pad;
    struct usdt_arg args[4];
};

/* Indexed by the cookie the link carries. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, struct usdt_spec);
} usdt_specs SEC(".maps");

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
    add(UPROBE_ARG_SUM, (__u32) ctx->rdi);
    return 0;
}

SEC("uretprobe")
int on_add_return(struct pt_regs *ctx) {
    add(URETPROBE_HITS, 1);
    add(URETPROBE_RET_SUM, (__u32) ctx->rax);
    return 0;
}

SEC("uprobe.multi")
int on_multi(struct pt_regs *ctx) {
    add(MULTI_HITS, 1);
    add(MULTI_COOKIE_SUM, bpf_get_attach_cookie(ctx));
    return 0;
}

static __always_inline int usdt_arg(struct pt_regs *ctx, struct usdt_spec *spec, __u32 i, __s64 *out) {
    if (i >= spec->nargs || i >= 4)
        return -1;
    struct usdt_arg *a = &spec->args[i];
    __u64 v = 0;
    switch (a->kind) {
    case 0:
        v = a->val_off;
        break;
    case 1:
        if (a->reg_off > sizeof(struct pt_regs) - 8)
            return -1;
        if (bpf_probe_read_kernel(&v, sizeof(v), (void *) ctx + a->reg_off))
            return -1;
        break;
    case 2:
        if (a->reg_off > sizeof(struct pt_regs) - 8)
            return -1;
        if (bpf_probe_read_kernel(&v, sizeof(v), (void *) ctx + a->reg_off))
            return -1;
        if (bpf_probe_read_user(&v, sizeof(v), (void *) (v + a->val_off)))
            return -1;
        break;
    default:
        return -1;
    }
    __u32 shift = 64 - (a->size & 15) * 8;
    if (shift >= 64)
        shift = 0;
    v <<= shift;
    *out = a->is_signed ? ((__s64) v) >> shift : (__s64) (v >> shift);
    return 0;
}

SEC("usdt")
int on_tick(struct pt_regs *ctx) {
    __u32 id = (__u32) bpf_get_attach_cookie(ctx);
    struct usdt_spec *spec = bpf_map_lookup_elem(&usdt_specs, &id);
    __s64 a0, a1;
    add(USDT_HITS, 1);
    if (!spec || usdt_arg(ctx, spec, 0, &a0) || usdt_arg(ctx, spec, 1, &a1)) {
        add(USDT_BAD_SPEC, 1);
        return 0;
    }
    add(USDT_ARG0_SUM, a0);
    set(USDT_ARG1_LAST, a1);
    return 0;
}
