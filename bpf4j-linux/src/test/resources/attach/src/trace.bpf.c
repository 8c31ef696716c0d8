// Tracing programs for bpf4j-linux's attach tests: each counts the events of one process (the
// test JVM, whose tgid the test writes into target_tgid) in its own slot of 'counts'.
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "GPL";

#define SLOT_TRACEPOINT 0
#define SLOT_RAW_TP 1
#define SLOT_TP_BTF 2
#define SLOT_PERF_EVENT 3
#define SLOT_PERF_OUTPUT 4

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} target_tgid SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096 * 4);
} events SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} perf_events SEC(".maps");

/* One ring buffer record: the syscall's pid/tgid, its number and the file name it opens. */
struct open_event {
    __u32 tgid;
    __u32 pid;
    __s64 dfd;
    char filename[64];
};

/* The tracepoint's context (events/syscalls/sys_enter_openat/format). */
struct sys_enter_openat_args {
    __u64 common;
    __s64 syscall_nr;
    __u64 dfd;
    __u64 filename;
    __u64 flags;
    __u64 mode;
};

static __always_inline int is_target(void) {
    __u32 zero = 0;
    __u32 *t = bpf_map_lookup_elem(&target_tgid, &zero);
    return t && *t != 0 && *t == (__u32) (bpf_get_current_pid_tgid() >> 32);
}

static __always_inline void bump(__u32 slot) {
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    if (c)
        __sync_fetch_and_add(c, 1);
}

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat(struct sys_enter_openat_args *ctx) {
    if (!is_target())
        return 0;
    bump(SLOT_TRACEPOINT);
    struct open_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
    if (!e)
        return 0;
    __u64 id = bpf_get_current_pid_tgid();
    e->tgid = id >> 32;
    e->pid = (__u32) id;
    e->dfd = (__s64) ctx->dfd;
    if (bpf_probe_read_user_str(e->filename, sizeof(e->filename), (const void *) ctx->filename) < 0)
        e->filename[0] = 0;
    bpf_ringbuf_submit(e, 0);
    return 0;
}

/* sys_enter's second argument is the syscall number; 257 is openat on x86_64. */
SEC("raw_tracepoint/sys_enter")
int on_raw_sys_enter(struct bpf_raw_tracepoint_args *ctx) {
    if (is_target() && ctx->args[1] == 257)
        bump(SLOT_RAW_TP);
    return 0;
}

SEC("tp_btf/sys_enter")
int on_btf_sys_enter(__u64 *ctx) {
    if (is_target() && ctx[1] == 257)
        bump(SLOT_TP_BTF);
    return 0;
}

/* cpu-clock samples: counts every sample, on any CPU and in any process. */
SEC("perf_event")
int on_cpu_clock(void *ctx) {
    bump(SLOT_PERF_EVENT);
    return 0;
}

/* The same openat events through a perf event array: a 16-byte record, then a sequence number. */
struct perf_record {
    __u32 tgid;
    __u32 seq;
    __u64 magic;
};

SEC("tracepoint/syscalls/sys_enter_openat")
int on_openat_perf(void *ctx) {
    if (!is_target())
        return 0;
    __u32 slot = SLOT_PERF_OUTPUT;
    __u64 *c = bpf_map_lookup_elem(&counts, &slot);
    if (!c)
        return 0;
    struct perf_record r = {
        .tgid = bpf_get_current_pid_tgid() >> 32,
        .seq = (__u32) __sync_fetch_and_add(c, 1),
        .magic = 0xb9f4b9f4b9f4b9f4ULL,
    };
    bpf_perf_event_output(ctx, &perf_events, BPF_F_CURRENT_CPU, &r, sizeof(r));
    return 0;
}
