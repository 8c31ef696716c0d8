package org.bpf4j.vm;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Instruction;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.Errno;
import org.bpf4j.vm.map.MapTimers;
import org.bpf4j.vm.map.SpecialFields;

/**
 * {@code bpf_spin_lock}, {@code bpf_spin_unlock} and the timer helpers ({@code bpf_timer_init},
 * {@code bpf_timer_set_callback}, {@code bpf_timer_start}, {@code bpf_timer_cancel}) with the
 * kernel's checks and error returns.
 *
 * <p>A spin lock is the 4-byte {@code struct bpf_spin_lock} of a map value (any other address
 * traps, as the kernel's verifier refuses it), taken with a compare-and-set; an execution holds
 * at most one, as the verifier demands, and one that ends holding it is ended with a trap (the
 * lock is released). Timers live at the {@code struct bpf_timer} of a map value
 * ({@link MapTimers}) and fire when the host advances the environment's {@link VirtualClock}. On
 * any other clock they are initialised, started and cancelled with the kernel's return codes but
 * never fire: the VM has no thread of its own to run them. A callback runs as
 * {@code callback(map, key, value)} in a fresh execution of the program that set it.
 */
final class TimerHelpers {
    private TimerHelpers() {}

    /** Clock ids {@code bpf_timer_init} accepts: CLOCK_REALTIME, CLOCK_MONOTONIC, CLOCK_BOOTTIME. */
    static final int CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_BOOTTIME = 7, MAX_CLOCKS = 16;
    /** {@code BPF_F_TIMER_ABS} and {@code BPF_F_TIMER_CPU_PIN}. */
    static final long TIMER_ABS = 1, TIMER_CPU_PIN = 2;
    /** How long a program waits for a spin lock before the wait is ended with a trap. */
    static final long LOCK_WAIT_NANOS = 10_000_000_000L;

    /** The timer whose callback runs on this thread, for {@code -EDEADLK}. */
    private static final ThreadLocal<BpfTimer> RUNNING = new ThreadLocal<>();

    static HelperRegistry.Builder register(HelperRegistry.Builder b) {
        b.add("spin_lock", (c, lock, r2, r3, r4, r5) -> {
            Execution ex = (Execution) c;
            checkLock(c, lock, "bpf_spin_lock");
            byte[] d = ex.memory.atomicTarget(lock, 4, c.slot());
            if (ex.lockArray != null) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_spin_lock: the program already "
                        + "holds a bpf_spin_lock (at most one at a time)");
            }
            long deadline = System.nanoTime() + LOCK_WAIT_NANOS;
            while (!SpecialFields.tryLock(d, (int) lock)) {
                if (System.nanoTime() > deadline) {
                    throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_spin_lock: the lock at "
                            + Memory.hex(lock) + " was not released for 10 s");
                }
                Thread.onSpinWait();
            }
            ex.lockArray = d;
            ex.lockOffset = (int) lock;
            return 0;
        });
        b.add("spin_unlock", (c, lock, r2, r3, r4, r5) -> {
            Execution ex = (Execution) c;
            checkLock(c, lock, "bpf_spin_unlock");
            byte[] d = ex.memory.atomicTarget(lock, 4, c.slot());
            if (ex.lockArray != d || ex.lockOffset != (int) lock) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_spin_unlock of "
                        + Memory.hex(lock) + ", a lock the program does not hold");
            }
            ex.releaseLock();
            return 0;
        });
        b.add("timer_init", (c, timer, handle, flags, r4, r5) -> {
            BpfMap map = map(c, handle, "bpf_timer_init");
            long clockId = flags & (MAX_CLOCKS - 1);
            if (Long.compareUnsigned(flags, MAX_CLOCKS) >= 0
                    || (clockId != CLOCK_MONOTONIC && clockId != CLOCK_REALTIME && clockId != CLOCK_BOOTTIME)) {
                return -Errno.EINVAL;
            }
            long value = timerValue(c, map, timer, "bpf_timer_init");
            if (MapTimers.get(timer) != null) {
                return -Errno.EBUSY;
            }
            byte[] key = map.keyOfValue(value).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL,
                    c.slot(), "bpf_timer_init: the value at " + Memory.hex(value) + " is not an element of map "
                    + map.definition().name()));
            java.util.function.LongSupplier time = c.environment().monotonicNanos();
            return MapTimers.install(timer, new BpfTimer(wheel(time), time, map, key, value)) ? 0 : -Errno.EBUSY;
        });
        b.add("timer_set_callback", (c, timer, fn, r3, r4, r5) -> {
            BpfTimer t = timer(timer);
            if (t == null) {
                return -Errno.EINVAL;
            }
            if (Memory.regionOf(fn) != Memory.CODE_REGION) {
                throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), "bpf_timer_set_callback: R2 = "
                        + Memory.hex(fn) + " is not a function address");
            }
            VmProgram p = ((Execution) c).program();
            int slot = (int) fn;
            Origin o = origin(p);
            if (o != null) {
                p = o.program();
                slot -= STUB;
            }
            t.setCallback(p, slot);
            return 0;
        });
        b.add("timer_start", (c, timer, nsecs, flags, r4, r5) -> {
            if ((flags & ~(TIMER_ABS | TIMER_CPU_PIN)) != 0) {
                return -Errno.EINVAL;
            }
            BpfTimer t = timer(timer);
            return t == null ? -Errno.EINVAL : t.start(nsecs, (flags & TIMER_ABS) != 0);
        });
        b.add("timer_cancel", (c, timer, r2, r3, r4, r5) -> {
            BpfTimer t = timer(timer);
            if (t == null) {
                return -Errno.EINVAL;
            }
            if (RUNNING.get() == t) {
                return -Errno.EDEADLK;
            }
            return t.cancel() ? 1 : 0;
        });
        return b;
    }

    /**
     * Traps unless {@code lock} is the {@code struct bpf_spin_lock} of a map value, which the
     * kernel's verifier demands of the argument ({@code process_spin_lock}): a program that was
     * not verified must not take a "lock" in its stack, its packet or a value's other bytes.
     */
    private static void checkLock(CallContext c, long lock, String helper) {
        BpfMap map = BpfMap.ofValueAddress(lock);
        int offset = map == null ? -1 : map.definition().spinLockOffset();
        if (map == null || offset < 0 || lock - map.valueStart(lock) != offset) {
            throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), helper + ": R1 = " + Memory.hex(lock)
                    + " is not the bpf_spin_lock of a map value"
                    + (map == null ? "" : offset < 0 ? " (the values of map " + map.definition().name()
                            + " have no bpf_spin_lock)" : " (map " + map.definition().name()
                            + " has its bpf_spin_lock at offset " + offset + " of a value)"));
        }
    }

    /** Wheels for clocks that are not virtual: timers wait there and never fire. */
    private static final Map<java.util.function.LongSupplier, VirtualClock> IDLE_WHEELS = new WeakHashMap<>();

    private static synchronized VirtualClock wheel(java.util.function.LongSupplier time) {
        return time instanceof VirtualClock v ? v : IDLE_WHEELS.computeIfAbsent(time, t -> new VirtualClock(0));
    }

    private static BpfTimer timer(long address) {
        return MapTimers.get(address) instanceof BpfTimer t ? t : null;
    }

    private static BpfMap map(CallContext c, long handle, String helper) {
        return BpfMap.ofHandle(handle).orElseThrow(() -> new VmTrapException(VmTrapException.Kind.CALL, c.slot(),
                helper + ": R2 = " + Memory.hex(handle) + " is not a map"));
    }

    /** The start of the value holding the timer at {@code timer}, checked as the verifier would. */
    private static long timerValue(CallContext c, BpfMap map, long timer, String helper) {
        long value = map.valueStart(timer);
        int offset = map.definition().timerOffset();
        if (value < 0 || offset < 0 || timer - value != offset) {
            throw new VmTrapException(VmTrapException.Kind.CALL, c.slot(), helper + ": R1 = " + Memory.hex(timer)
                    + " is not the bpf_timer of a value of map " + map.definition().name()
                    + (offset < 0 ? " (its values have no bpf_timer)" : ""));
        }
        return value;
    }

    /** A {@code struct bpf_timer}'s state. */
    static final class BpfTimer implements MapTimers.Timer {
        private final VirtualClock clock;
        private final java.util.function.LongSupplier time;
        private final BpfMap map;
        private final byte[] key;
        private final long value;
        private VmProgram program;
        private int slot;
        private boolean freed;
        /** Guarded by the clock. */
        long expiry;
        long sequence;
        boolean armed;

        BpfTimer(VirtualClock clock, java.util.function.LongSupplier time, BpfMap map, byte[] key, long value) {
            this.clock = clock;
            this.time = time;
            this.map = map;
            this.key = key;
            this.value = value;
        }

        synchronized void setCallback(VmProgram p, int s) {
            program = p;
            slot = s;
        }

        long start(long nanos, boolean absolute) {
            synchronized (this) {
                if (program == null || freed) {
                    return -Errno.EINVAL;
                }
            }
            clock.arm(this, absolute ? nanos : time.getAsLong() + nanos);
            return 0;
        }

        /** Cancels the timer and drops its callback, as {@code bpf_timer_cancel} does; true if it was armed. */
        boolean cancel() {
            synchronized (this) {
                program = null;
            }
            return clock.disarm(this);
        }

        @Override
        public void free() {
            synchronized (this) {
                freed = true;
                program = null;
            }
            clock.disarm(this);
        }

        void fire() {
            VmProgram p;
            int s;
            synchronized (this) {
                p = program;
                s = slot;
            }
            if (p == null) {
                return;
            }
            BpfTimer outer = RUNNING.get();
            RUNNING.set(this);
            try {
                Execution ex = trampoline(p, s).newExecution();
                byte[] scratch = ex.memory.scratch(0, key.length);
                System.arraycopy(key, 0, scratch, 0, key.length);
                ex.run(map.handle(), ex.memory.scratchAddress(0), value);
            } finally {
                RUNNING.set(outer);
            }
        }
    }

    // ---- trampolines: a callback run from the host is the program with a stub that calls it ----

    /** Slots of the stub before the program: {@code call callback; exit}. */
    static final int STUB = 2;

    private record Origin(VmProgram program, int slot) {}

    private static final Map<VmProgram, Map<Integer, VmProgram>> TRAMPOLINES = new WeakHashMap<>();
    private static final Map<VmProgram, Origin> ORIGINS = new WeakHashMap<>();

    private static synchronized Origin origin(VmProgram p) {
        return ORIGINS.get(p);
    }

    /**
     * The program with {@code call <callback>; exit} in front: every jump, call and code address in
     * the program is relative, so they still land where they did, and the callback runs as a
     * bpf-to-bpf call with R1-R3 as the stub received them.
     */
    private static synchronized VmProgram trampoline(VmProgram p, int slot) {
        return TRAMPOLINES.computeIfAbsent(p, k -> new ConcurrentHashMap<>()).computeIfAbsent(slot, s -> {
            List<Instruction> code = new ArrayList<>(p.code().size() + STUB);
            code.add(Instruction.Call.local(s + STUB - 1));
            code.add(new Instruction.Exit());
            code.addAll(p.code().instructions());
            VmProgram t = VmProgram.load(p.name() + " (timer callback at " + s + ")", Code.of(code), p.maps(),
                    p.options());
            ORIGINS.put(t, new Origin(p, s));
            return t;
        });
    }
}
