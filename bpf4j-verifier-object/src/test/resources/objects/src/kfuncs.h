/* Kernel functions used by the test objects, declared as the kernel's BTF has them. */
#ifndef KFUNCS_H
#define KFUNCS_H
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

/* The kernel's open-coded number iterator (the installed UAPI header predates it). */
struct bpf_iter_num {
    __u64 __opaque[1];
} __attribute__((aligned(8)));

extern int bpf_iter_num_new(struct bpf_iter_num *it, int start, int end) __ksym;
extern int *bpf_iter_num_next(struct bpf_iter_num *it) __ksym;
extern void bpf_iter_num_destroy(struct bpf_iter_num *it) __ksym;

extern void bpf_rcu_read_lock(void) __ksym;
extern void bpf_rcu_read_unlock(void) __ksym;

#endif
