/*
 * bpf4j_usdt.h: reading USDT arguments in a BPF program attached with bpf4j's
 * Attacher.usdt(program, binary, provider, name, pid, specs). bpf4j writes each call site's
 * argument specs (UsdtSpecs.encode) into the array map 'bpf4j_usdt_specs' at the index that is
 * also the link's cookie; bpf4j_usdt_arg() reads argument i of the current hit from them.
 *
 *   #include "bpf4j_usdt.h"
 *   SEC("usdt") int on_tick(struct pt_regs *ctx) {
 *       long a0;
 *       if (bpf4j_usdt_arg(ctx, 0, &a0) == 0) ...
 *   }
 *
 * x86_64 only (argument registers are offsets in struct pt_regs). Needs <linux/bpf.h>,
 * <linux/ptrace.h> and <bpf/bpf_helpers.h> first.
 */
#ifndef BPF4J_USDT_H
#define BPF4J_USDT_H

#define BPF4J_USDT_MAX_ARGS 12
#define BPF4J_USDT_MAX_SITES 64

/* kind: 0 a constant (val_off), 1 a register (8 bytes at reg_off in struct pt_regs),
 * 2 memory at that register's value + val_off. */
struct bpf4j_usdt_arg {
    __u32 kind;
    __u32 reg_off;
    __s64 val_off;
    __u32 size;
    __u32 is_signed;
};

struct bpf4j_usdt_spec {
    __u32 nargs;
    __u32 pad;
    struct bpf4j_usdt_arg args[BPF4J_USDT_MAX_ARGS];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, BPF4J_USDT_MAX_SITES);
    __type(key, __u32);
    __type(value, struct bpf4j_usdt_spec);
} bpf4j_usdt_specs SEC(".maps");

/* The number of arguments of the probe that fired, or -1 if its spec is missing. */
static __always_inline int bpf4j_usdt_nargs(struct pt_regs *ctx) {
    __u32 site = (__u32) bpf_get_attach_cookie(ctx);
    struct bpf4j_usdt_spec *spec = bpf_map_lookup_elem(&bpf4j_usdt_specs, &site);
    return spec ? (int) spec->nargs : -1;
}

/* Reads argument i of the probe that fired into *out; 0 on success, -1 otherwise. */
static __always_inline int bpf4j_usdt_arg(struct pt_regs *ctx, __u32 i, long *out) {
    __u32 site = (__u32) bpf_get_attach_cookie(ctx);
    struct bpf4j_usdt_spec *spec = bpf_map_lookup_elem(&bpf4j_usdt_specs, &site);
    if (!spec || i >= spec->nargs || i >= BPF4J_USDT_MAX_ARGS)
        return -1;
    struct bpf4j_usdt_arg *a = &spec->args[i];
    __u64 v = 0;
    switch (a->kind) {
    case 0:
        v = a->val_off;
        break;
    case 1:
    case 2:
        if (a->reg_off > sizeof(struct pt_regs) - 8)
            return -1;
        if (bpf_probe_read_kernel(&v, sizeof(v), (void *) ctx + a->reg_off))
            return -1;
        if (a->kind == 2 && bpf_probe_read_user(&v, sizeof(v), (void *) (v + a->val_off)))
            return -1;
        break;
    default:
        return -1;
    }
    __u32 shift = 64 - (a->size & 15) * 8;
    if (shift >= 64)
        shift = 0;
    v <<= shift;
    *out = a->is_signed ? (long) (((__s64) v) >> shift) : (long) (v >> shift);
    return 0;
}

#endif
