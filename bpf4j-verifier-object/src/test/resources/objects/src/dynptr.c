/* Dynptrs: ring buffer records through dynptrs, and user ring buffer samples drained. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_USER_RINGBUF);
    __uint(max_entries, 4096);
} commands SEC(".maps");

struct event {
    __u64 ts;
    __u32 len;
    __u32 pad;
};

/* Reserves a record through a dynptr, fills it through a slice, submits it. */
SEC("xdp")
int send_event(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    struct event *e;

    bpf_ringbuf_reserve_dynptr(&events, sizeof(*e), 0, &d);
    e = bpf_dynptr_data(&d, 0, sizeof(*e));
    if (e) {
        e->ts = bpf_ktime_get_ns();
        e->len = ctx->data_end - ctx->data;
    }
    bpf_ringbuf_submit_dynptr(&d, 0);
    return XDP_PASS;
}

/* Forgets to submit the record when the packet is short. */
SEC("xdp")
int send_event_leak(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    __u64 ts = bpf_ktime_get_ns();

    bpf_ringbuf_reserve_dynptr(&events, sizeof(ts), 0, &d);
    if (ctx->data_end - ctx->data < 64)
        return XDP_DROP;
    bpf_dynptr_write(&d, 0, &ts, sizeof(ts), 0);
    bpf_ringbuf_submit_dynptr(&d, 0);
    return XDP_PASS;
}

/* Writes through a slice after the record was submitted. */
SEC("xdp")
int use_after_submit(struct xdp_md *ctx)
{
    struct bpf_dynptr d;
    __u64 *p;

    bpf_ringbuf_reserve_dynptr(&events, 8, 0, &d);
    p = bpf_dynptr_data(&d, 0, 8);
    bpf_ringbuf_submit_dynptr(&d, 0);
    if (p)
        *p = 1;
    return XDP_PASS;
}

static long total;

static long on_command(struct bpf_dynptr *d, void *ctx)
{
    __u64 v = 0;

    if (bpf_dynptr_read(&v, sizeof(v), d, 0, 0))
        return 1;
    *(long *)ctx += v;
    return 0;
}

/* Drains commands from user space. */
SEC("xdp")
int drain(struct xdp_md *ctx)
{
    long sum = 0;

    bpf_user_ringbuf_drain(&commands, on_command, &sum, 0);
    total += sum;
    return XDP_PASS;
}

static long submit_kernel_dynptr(struct bpf_dynptr *d, void *ctx)
{
    bpf_ringbuf_discard_dynptr(d, 0);
    return 0;
}

/* Releases the kernel's own dynptr in the drain callback. */
SEC("xdp")
int drain_release(struct xdp_md *ctx)
{
    bpf_user_ringbuf_drain(&commands, submit_kernel_dynptr, NULL, 0);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
