package org.bpf4j.vm;

import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * What tracing helpers see of the place a program is attached to and the task it interrupted,
 * supplied by the host: stacks for {@code bpf_get_stackid} and {@code bpf_get_stack}, the task and
 * cgroup identities, the traced function's address and arguments, the attach cookie, and where
 * actions on the task ({@code bpf_send_signal}, {@code bpf_override_return}) are recorded.
 * Immutable and thread-safe; start from {@link #none()} and change parts with the {@code with} methods.
 *
 * @param task the address of the current {@code task_struct} ({@code bpf_get_current_task},
 *     {@code bpf_get_current_task_btf}); 0 for none
 * @param cgroupId the current task's cgroup v2 id ({@code bpf_get_current_cgroup_id})
 * @param ancestorCgroupIds the ids of its cgroup's ancestors from the root (level 0) down to its own
 *     cgroup ({@code bpf_get_current_ancestor_cgroup_id})
 * @param kernelStack the kernel stack, innermost address first, as perf walks it
 * @param userStack the user stack, innermost first; empty for a kernel thread
 * @param funcIp the address of the traced function ({@code bpf_get_func_ip})
 * @param attachCookie the cookie given at attach time ({@code bpf_get_attach_cookie})
 * @param funcArgs the traced function's arguments, as an fentry/fexit context holds them
 *     ({@code bpf_get_func_arg}, {@code bpf_get_func_arg_cnt})
 * @param funcRet the traced function's return value ({@code bpf_get_func_ret}, fexit)
 * @param taiOffsetNanos added to the monotonic clock to give {@code bpf_ktime_get_tai_ns}
 * @param actions receives what a program asks to be done to the task
 */
public record Tracee(long task, long cgroupId, List<Long> ancestorCgroupIds, List<Long> kernelStack,
        List<Long> userStack, long funcIp, long attachCookie, List<Long> funcArgs, long funcRet,
        long taiOffsetNanos, Consumer<Action> actions) {
    public Tracee {
        ancestorCgroupIds = List.copyOf(ancestorCgroupIds);
        kernelStack = List.copyOf(kernelStack);
        userStack = List.copyOf(userStack);
        funcArgs = List.copyOf(funcArgs);
        Objects.requireNonNull(actions);
    }

    /** An action a program asked for, recorded rather than done. */
    public sealed interface Action {}

    /**
     * {@code bpf_send_signal} ({@code thread} false: to the process) or
     * {@code bpf_send_signal_thread} (true: to the thread).
     */
    public record Signal(int signal, boolean thread) implements Action {}

    /** {@code bpf_override_return}: the probed function is to return {@code value} without running. */
    public record OverrideReturn(long value) implements Action {}

    /** No task, cgroup 0, empty stacks, no function, no cookie, actions dropped. */
    public static Tracee none() {
        return new Tracee(0, 0, List.of(), List.of(), List.of(), 0, 0, List.of(), 0, 0, a -> { });
    }

    /** With a task pointer. */
    public Tracee withTask(long taskAddress) {
        return new Tracee(taskAddress, cgroupId, ancestorCgroupIds, kernelStack, userStack, funcIp, attachCookie,
                funcArgs, funcRet, taiOffsetNanos, actions);
    }

    /** With a cgroup and its ancestors (root first, the cgroup itself last). */
    public Tracee withCgroups(List<Long> rootToSelf) {
        long self = rootToSelf.isEmpty() ? 0 : rootToSelf.getLast();
        return new Tracee(task, self, rootToSelf, kernelStack, userStack, funcIp, attachCookie, funcArgs, funcRet,
                taiOffsetNanos, actions);
    }

    /** With kernel and user stacks (innermost address first). */
    public Tracee withStacks(List<Long> kernel, List<Long> user) {
        return new Tracee(task, cgroupId, ancestorCgroupIds, kernel, user, funcIp, attachCookie, funcArgs, funcRet,
                taiOffsetNanos, actions);
    }

    /** With the traced function's address, arguments and return value. */
    public Tracee withFunction(long ip, List<Long> args, long ret) {
        return new Tracee(task, cgroupId, ancestorCgroupIds, kernelStack, userStack, ip, attachCookie, args, ret,
                taiOffsetNanos, actions);
    }

    /** With an attach cookie. */
    public Tracee withAttachCookie(long cookie) {
        return new Tracee(task, cgroupId, ancestorCgroupIds, kernelStack, userStack, funcIp, cookie, funcArgs,
                funcRet, taiOffsetNanos, actions);
    }

    /** With the TAI clock's offset from the monotonic clock. */
    public Tracee withTaiOffset(long nanos) {
        return new Tracee(task, cgroupId, ancestorCgroupIds, kernelStack, userStack, funcIp, attachCookie, funcArgs,
                funcRet, nanos, actions);
    }

    /** With a receiver of actions. */
    public Tracee withActions(Consumer<Action> sink) {
        return new Tracee(task, cgroupId, ancestorCgroupIds, kernelStack, userStack, funcIp, attachCookie, funcArgs,
                funcRet, taiOffsetNanos, sink);
    }
}
