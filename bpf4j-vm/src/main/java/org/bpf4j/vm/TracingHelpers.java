package org.bpf4j.vm;

import java.util.List;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.PerfEventArrayMap;
import org.bpf4j.vm.map.StackTraceMap;

/**
 * The tracing helpers, over what the host supplies in {@link Tracee}: {@code bpf_perf_event_output},
 * {@code bpf_get_stackid}, {@code bpf_get_stack}, {@code bpf_get_task_stack}, the task, cgroup,
 * traced-function and cookie getters, {@code bpf_ktime_get_tai_ns}, and {@code bpf_send_signal},
 * {@code bpf_send_signal_thread} and {@code bpf_override_return}, whose actions are recorded.
 * Each has the kernel's flag checks and error returns.
 */
final class TracingHelpers {
    private TracingHelpers() {}

    /** {@code _NSIG}: the highest signal number. */
    static final int NSIG = 64;
    /** {@code sizeof(struct bpf_stack_build_id)} and {@code BPF_STACK_BUILD_ID_IP}. */
    static final int BUILD_ID_ELEM = 32, BUILD_ID_IP = 2;

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("perf_event_output", (c, ctx, handle, flags, data, size) -> {
            if (!(map(c, handle, "bpf_perf_event_output") instanceof PerfEventArrayMap perf)) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_perf_event_output: R2 is not a "
                        + "perf event array");
            }
            long ctxLen = (flags & PerfEventArrayMap.CTXLEN_MASK) >>> 32;
            if ((flags & ~(PerfEventArrayMap.INDEX_MASK | PerfEventArrayMap.CTXLEN_MASK)) != 0) {
                return -Errno.EINVAL;
            }
            byte[] packet = ((Execution) c).packet();
            if (ctxLen != 0 && packet.length == 0) {
                return -Errno.EINVAL; // tracing programs take only an index
            }
            if (ctxLen > packet.length) {
                return -Errno.EFAULT;
            }
            byte[] bytes = c.memory().read(data, (int) Math.min(size, Integer.MAX_VALUE), c.slot());
            if (ctxLen > 0) {
                byte[] joined = java.util.Arrays.copyOf(bytes, bytes.length + (int) ctxLen);
                System.arraycopy(packet, 0, joined, bytes.length, (int) ctxLen);
                bytes = joined;
            }
            return perf.output(c.cpu(), flags & PerfEventArrayMap.INDEX_MASK, bytes);
        });
        b.add("get_stackid", (c, ctx, handle, flags, r4, r5) -> {
            if (!(map(c, handle, "bpf_get_stackid") instanceof StackTraceMap stacks)) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_get_stackid: R2 is not a stack "
                        + "trace map");
            }
            Tracee t = c.environment().tracee();
            List<Long> trace = (flags & StackTraceMap.USER_STACK) != 0 ? t.userStack() : t.kernelStack();
            return stacks.stackId(trace.stream().mapToLong(Long::longValue).toArray(), flags);
        });
        b.add("get_stack", (c, ctx, buf, size, flags, r5) -> getStack(c, buf, size, flags, true));
        b.add("get_task_stack", (c, task, buf, size, flags, r5) ->
                getStack(c, buf, size, flags, task == c.environment().tracee().task()));
        b.add("get_current_task", (c, r1, r2, r3, r4, r5) -> c.environment().tracee().task());
        b.add("get_current_task_btf", (c, r1, r2, r3, r4, r5) -> c.environment().tracee().task());
        b.add("get_current_cgroup_id", (c, r1, r2, r3, r4, r5) -> c.environment().tracee().cgroupId());
        b.add("get_current_ancestor_cgroup_id", (c, level, r2, r3, r4, r5) -> {
            List<Long> ids = c.environment().tracee().ancestorCgroupIds();
            int l = (int) level;
            return l < 0 || l >= ids.size() ? 0 : ids.get(l);
        });
        b.add("get_func_ip", (c, ctx, r2, r3, r4, r5) -> c.environment().tracee().funcIp());
        b.add("get_attach_cookie", (c, ctx, r2, r3, r4, r5) -> c.environment().tracee().attachCookie());
        b.add("get_func_arg_cnt", (c, ctx, r2, r3, r4, r5) -> c.environment().tracee().funcArgs().size());
        b.add("get_func_arg", (c, ctx, n, value, r4, r5) -> {
            List<Long> args = c.environment().tracee().funcArgs();
            if (Long.compareUnsigned(n & 0xffff_ffffL, args.size()) >= 0) {
                return -Errno.EINVAL;
            }
            Memory.store64(c.memory(), value, args.get((int) n), c.slot());
            return 0;
        });
        b.add("get_func_ret", (c, ctx, value, r3, r4, r5) -> {
            Memory.store64(c.memory(), value, c.environment().tracee().funcRet(), c.slot());
            return 0;
        });
        b.add("ktime_get_tai_ns", (c, r1, r2, r3, r4, r5) ->
                c.environment().monotonicNanos().getAsLong() + c.environment().tracee().taiOffsetNanos());
        b.add("send_signal", (c, sig, r2, r3, r4, r5) -> signal(c, sig, false));
        b.add("send_signal_thread", (c, sig, r2, r3, r4, r5) -> signal(c, sig, true));
        b.add("override_return", (c, regs, rc, r3, r4, r5) -> {
            c.environment().tracee().actions().accept(new Tracee.OverrideReturn(rc));
            return 0;
        });
        b.add("get_branch_snapshot", (c, entries, size, flags, r4, r5) ->
                // The VM has no last-branch records, as a CPU without LBR.
                flags != 0 ? -Errno.EINVAL : -Errno.ENOENT);
        return b;
    }

    /**
     * {@code bpf_send_signal_common}: no task (pid 0, a kernel thread) or init (pid 1) gives
     * {@code -EPERM}, a signal above {@code _NSIG} {@code -EINVAL}; otherwise the signal is recorded.
     */
    private static long signal(CallContext c, long sig, boolean thread) {
        long tgid = c.environment().pidTgid() >>> 32;
        if (tgid == 0 || tgid == 1) {
            return -Errno.EPERM;
        }
        int s = (int) sig;
        if (Integer.compareUnsigned(s, NSIG) > 0) {
            return -Errno.EINVAL;
        }
        c.environment().tracee().actions().accept(new Tracee.Signal(s, thread));
        return 0;
    }

    /**
     * {@code __bpf_get_stack}: copies the stack (after {@code skip} frames) into {@code buf}, zeroes
     * the rest, and returns the bytes copied; on error zeroes the buffer. A task other than the
     * current one has no known stack (0 frames); its user stack gives {@code -EOPNOTSUPP}.
     */
    private static long getStack(CallContext c, long buf, long size32, long flags, boolean current) {
        int size = (int) size32;
        long err = -Errno.EINVAL;
        boolean user = (flags & StackTraceMap.USER_STACK) != 0;
        boolean buildId = (flags & StackTraceMap.USER_BUILD_ID) != 0;
        int elem = buildId ? BUILD_ID_ELEM : 8;
        // The size comes from the program: an unverified one may pass any, so the buffer is
        // checked before one of that size is allocated (every path below writes all of it).
        c.memory().checkWritable(buf, Math.max(0, size), c.slot());
        byte[] out = new byte[Math.max(0, size)];
        if ((flags & ~(StackTraceMap.SKIP_FIELD_MASK | StackTraceMap.USER_STACK | StackTraceMap.USER_BUILD_ID)) == 0
                && !(!user && buildId) && size % elem == 0) {
            if (!current && user) {
                err = -Errno.EOPNOTSUPP;
            } else {
                int skip = (int) (flags & StackTraceMap.SKIP_FIELD_MASK);
                int maxDepth = (int) Math.min((long) size / elem + skip, StackTraceMap.MAX_STACK);
                Tracee t = c.environment().tracee();
                List<Long> trace = !current ? List.of() : user ? t.userStack() : t.kernelStack();
                int nr = Math.min(trace.size(), maxDepth);
                if (nr >= skip) {
                    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(out).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    for (int i = 0; i < nr - skip; i++) {
                        long ip = trace.get(skip + i);
                        if (buildId) {
                            bb.putInt(i * elem, BUILD_ID_IP); // no build id: the address itself, as Linux falls back
                            bb.putLong(i * elem + 24, ip);
                        } else {
                            bb.putLong(i * elem, ip);
                        }
                    }
                    c.memory().write(buf, out, c.slot());
                    return (long) (nr - skip) * elem;
                }
                err = -Errno.EFAULT;
            }
        }
        c.memory().write(buf, new byte[Math.max(0, size)], c.slot());
        return err;
    }

    private static BpfMap map(CallContext c, long handle, String helper) {
        return BpfMap.ofHandle(handle).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL, c.slot(),
                helper + ": R2 = " + Memory.hex(handle) + " is not a map"));
    }
}
