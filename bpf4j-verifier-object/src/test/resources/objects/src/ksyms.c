// Typed kernel variables (__ksym): a per-CPU variable's address is a per-CPU pointer to its type,
// not readable itself; bpf_this_cpu_ptr gives this CPU's copy, bpf_per_cpu_ptr a CPU's (NULL for a
// CPU that does not exist): a pointer to a structure, or read-only memory of a number's size.
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>

extern const struct rq runqueues __ksym;
extern const int bpf_prog_active __ksym;
extern const int bpf4j_no_such_variable __ksym __weak;

SEC("kprobe/do_nanosleep")
int this_rq_cpu(void *ctx)
{
    struct rq *rq = bpf_this_cpu_ptr(&runqueues);
    return rq->cpu;
}

SEC("kprobe/do_nanosleep")
int cpu0_rq_checked(void *ctx)
{
    struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);
    if (!rq)
        return 0;
    return rq->nr_running;
}

SEC("kprobe/do_nanosleep")
int cpu0_rq_unchecked(void *ctx)
{
    struct rq *rq = bpf_per_cpu_ptr(&runqueues, 0);
    return rq->nr_running;
}

SEC("kprobe/do_nanosleep")
int percpu_read_direct(void *ctx)
{
    return runqueues.cpu;
}

SEC("kprobe/do_nanosleep")
int this_cpu_int(void *ctx)
{
    const int *active = bpf_this_cpu_ptr(&bpf_prog_active);
    return *active;
}

SEC("kprobe/do_nanosleep")
int this_cpu_int_past_end(void *ctx)
{
    const int *active = bpf_this_cpu_ptr(&bpf_prog_active);
    return active[1];
}

SEC("kprobe/do_nanosleep")
int this_cpu_int_write(void *ctx)
{
    int *active = (int *)bpf_this_cpu_ptr(&bpf_prog_active);
    *active = 1;
    return 0;
}

SEC("kprobe/do_nanosleep")
int this_cpu_of_a_copy(void *ctx)
{
    struct rq *rq = bpf_this_cpu_ptr(&runqueues);
    struct rq *again = bpf_this_cpu_ptr(rq);
    return again->cpu;
}

SEC("kprobe/do_nanosleep")
int weak_missing_variable(void *ctx)
{
    if (&bpf4j_no_such_variable)
        return 1;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
