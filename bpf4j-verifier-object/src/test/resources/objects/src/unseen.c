/* Rules found by verifying programs written by others that bpf4j had not seen (libbpf-bootstrap,
 * bcc's libbpf-tools; see docs/architecture.md), each reduced to a small program. Built against the
 * running kernel's vmlinux.h; verified with the kernel's types. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

/* libbpf's usdt.bpf.h: a __hidden global function is static for libbpf (mark_btf_static), so the
 * kernel verifies it with its caller's context: its pointer parameter is not "maybe NULL". */
__attribute__((visibility("hidden"))) __attribute__((noinline)) int hidden_fill(struct __sk_buff *skb, long *res)
{
    *res = skb->len;
    return 0;
}

__attribute__((noinline)) int global_fill(struct __sk_buff *skb, long *res)
{
    *res = skb->len;
    return 0;
}

SEC("socket")
int calls_hidden(struct __sk_buff *skb)
{
    long v = 0;

    hidden_fill(skb, &v);
    return v;
}

SEC("socket")
int calls_global(struct __sk_buff *skb)
{
    long v = 0;

    global_fill(skb, &v);
    return v;
}

/* A kprobe's global function takes the context as struct pt_regs * (bpf_user_pt_regs_t). */
__attribute__((noinline)) int first_arg(struct pt_regs *regs)
{
    return regs->di & 0xff;
}

SEC("kprobe/do_nanosleep")
int kprobe_ctx_arg(struct pt_regs *regs)
{
    return first_arg(regs);
}

/* bcc's sigsnoop: bpf_ksym_exists(kfunc) loads the kfunc's address, never NULL when it exists;
 * a tracepoint program may call a kfunc of the tracing hook. */
extern struct task_struct *bpf_task_from_pid(s32 pid) __ksym __weak;
extern void bpf_task_release(struct task_struct *p) __ksym __weak;

SEC("tracepoint/syscalls/sys_enter_kill")
int kfunc_exists(void *ctx)
{
    int pid = 0;

    if (bpf_task_from_pid) {
        struct task_struct *t = bpf_task_from_pid(1);

        if (t) {
            pid = t->pid;
            bpf_task_release(t);
        }
    }
    return pid;
}

/* bcc's biosnoop: programs branch on LINUX_KERNEL_VERSION, which libbpf fills from the running
 * kernel; the branch for kernels before 5.0 reads past the context. */
extern int LINUX_KERNEL_VERSION __kconfig;

SEC("socket")
int kconfig_version(struct __sk_buff *skb)
{
    if (LINUX_KERNEL_VERSION < (5 << 16))
        return *(volatile __u32 *)((char *)skb + 1000);
    return 0;
}
