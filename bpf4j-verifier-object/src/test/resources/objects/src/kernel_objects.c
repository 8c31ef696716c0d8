/* Kernel objects typed by the kernel's BTF: the current task and its RCU members, tasks and
 * cgroups acquired and released through kfuncs. Built against the running kernel's vmlinux.h
 * (build.sh makes it with bpftool); verified with the kernel's types (BtfKernelTypes). */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym;
extern struct task_struct *bpf_task_acquire(struct task_struct *p) __ksym;
extern void bpf_task_release(struct task_struct *p) __ksym;
extern struct cgroup *bpf_cgroup_from_id(u64 cgid) __ksym;
extern struct cgroup *bpf_cgroup_ancestor(struct cgroup *cgrp, int level) __ksym;
extern void bpf_cgroup_release(struct cgroup *cgrp) __ksym;

char LICENSE[] SEC("license") = "GPL";

int out;

SEC("tp_btf/sched_switch")
int parent_tgid(void *ctx)
{
    struct task_struct *t = bpf_get_current_task_btf();

    out = t->real_parent->tgid;
    return 0;
}

SEC("tp_btf/sched_switch")
int acquire_parent(void *ctx)
{
    struct task_struct *t = bpf_get_current_task_btf();
    struct task_struct *p = bpf_task_acquire(t->real_parent);

    if (!p)
        return 0;
    out = p->pid;
    bpf_task_release(p);
    return 0;
}

SEC("tp_btf/sched_switch")
int acquire_untrusted(void *ctx)
{
    struct task_struct *t = bpf_get_current_task_btf();
    struct task_struct *p = bpf_task_acquire(t->parent);

    if (!p)
        return 0;
    bpf_task_release(p);
    return 0;
}

SEC("tc")
int task_by_pid(struct __sk_buff *skb)
{
    struct task_struct *t = bpf_task_from_pid(1);

    if (!t)
        return 0;
    out = t->pid;
    bpf_task_release(t);
    return 0;
}

SEC("tc")
int task_leak(struct __sk_buff *skb)
{
    struct task_struct *t = bpf_task_from_pid(1);

    if (!t)
        return 0;
    out = t->pid;
    return 0;
}

SEC("tc")
int task_after_release(struct __sk_buff *skb)
{
    struct task_struct *t = bpf_task_from_pid(1);

    if (!t)
        return 0;
    bpf_task_release(t);
    out = t->pid;
    return 0;
}

SEC("tc")
int cgroup_ancestor(struct __sk_buff *skb)
{
    struct cgroup *cg = bpf_cgroup_from_id(1);
    struct cgroup *anc;

    if (!cg)
        return 0;
    anc = bpf_cgroup_ancestor(cg, 0);
    if (anc) {
        out = anc->level;
        bpf_cgroup_release(anc);
    }
    bpf_cgroup_release(cg);
    return 0;
}

SEC("tc")
int cgroup_unchecked(struct __sk_buff *skb)
{
    struct cgroup *cg = bpf_cgroup_from_id(1);

    out = cg->level;
    if (cg)
        bpf_cgroup_release(cg);
    return 0;
}

SEC("tp_btf/sched_switch")
int switch_prev(u64 *ctx)
{
    struct task_struct *prev = (void *)ctx[1];

    out = prev->pid + prev->real_parent->tgid;
    return 0;
}

SEC("tp_btf/sched_switch")
int switch_arg_too_far(u64 *ctx)
{
    out = ctx[4];
    return 0;
}

/* kptrs: a map value holding a task reference (__kptr, moved in and out with bpf_kptr_xchg) and
 * an unreferenced task pointer (__kptr_untrusted). */
#define __kptr_untrusted __attribute__((btf_type_tag("kptr_untrusted")))

struct stash {
    struct task_struct __kptr *task;
    struct task_struct __kptr_untrusted *seen;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, int);
    __type(value, struct stash);
} stashes SEC(".maps");

SEC("tc")
int stash_task(struct __sk_buff *skb)
{
    int key = 0;
    struct stash *v = bpf_map_lookup_elem(&stashes, &key);
    struct task_struct *t;

    if (!v)
        return 0;
    t = bpf_task_from_pid(1);
    if (!t)
        return 0;
    t = bpf_kptr_xchg(&v->task, t);
    if (t)
        bpf_task_release(t);
    return 0;
}

SEC("tc")
int stash_leak(struct __sk_buff *skb)
{
    int key = 0;
    struct stash *v = bpf_map_lookup_elem(&stashes, &key);
    struct task_struct *t;

    if (!v)
        return 0;
    t = bpf_task_from_pid(1);
    if (!t)
        return 0;
    t = bpf_kptr_xchg(&v->task, t);
    if (t)
        out = t->pid;
    return 0;
}

SEC("tc")
int stashed_pid(struct __sk_buff *skb)
{
    int key = 0;
    struct stash *v = bpf_map_lookup_elem(&stashes, &key);
    struct task_struct *t;

    if (!v)
        return 0;
    t = v->task;
    if (t)
        out = t->pid;
    v->seen = bpf_get_current_task_btf();
    return 0;
}

SEC("tc")
int stash_plain_store(struct __sk_buff *skb)
{
    int key = 0;
    struct stash *v = bpf_map_lookup_elem(&stashes, &key);

    if (!v)
        return 0;
    v->task = bpf_get_current_task_btf();
    return 0;
}
