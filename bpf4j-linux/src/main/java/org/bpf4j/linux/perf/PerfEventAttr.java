package org.bpf4j.linux.perf;

/**
 * What {@code perf_event_open} is asked to open: the fields of {@code struct perf_event_attr}
 * that bpf4j sets. Immutable.
 *
 * @param type {@code PERF_TYPE_*}, or a dynamic PMU's type (uprobe)
 * @param config the event within the type (a tracepoint id, {@code PERF_COUNT_SW_*}, uprobe flags)
 * @param samplePeriod the sample period, or the frequency when {@code frequency} is set
 * @param frequency whether {@code samplePeriod} is a frequency in Hz
 * @param sampleType {@code PERF_SAMPLE_*} bits
 * @param wakeupEvents wake up a reader every this many samples
 * @param config1 the PMU's config1 (a uprobe's path pointer is set by {@link PerfEvents})
 * @param config2 the PMU's config2 (a uprobe's file offset)
 * @param disabled whether the event starts disabled (then enabled with {@code PERF_EVENT_IOC_ENABLE})
 * @param inherit whether the event also counts the threads and children the watched task creates
 *     after it is opened ({@code inherit}; they run the event's BPF program too)
 * @param bpType for a breakpoint ({@link PerfLayouts#TYPE_BREAKPOINT}), the accesses it fires on
 *     ({@code bp_type}: {@link PerfLayouts#BREAKPOINT_R}, {@code _W}, {@code _X} bits; its address
 *     is {@code config1}, its length {@code config2}); else 0
 */
public record PerfEventAttr(int type, long config, long samplePeriod, boolean frequency, long sampleType,
        int wakeupEvents, long config1, long config2, boolean disabled, boolean inherit, int bpType) {

    /** An event that is not a breakpoint. */
    public PerfEventAttr(int type, long config, long samplePeriod, boolean frequency, long sampleType,
            int wakeupEvents, long config1, long config2, boolean disabled, boolean inherit) {
        this(type, config, samplePeriod, frequency, sampleType, wakeupEvents, config1, config2, disabled, inherit, 0);
    }

    /** An event that is not inherited. */
    public PerfEventAttr(int type, long config, long samplePeriod, boolean frequency, long sampleType,
            int wakeupEvents, long config1, long config2, boolean disabled) {
        this(type, config, samplePeriod, frequency, sampleType, wakeupEvents, config1, config2, disabled, false);
    }

    /** This event, inherited by the threads and children the watched task creates. */
    public PerfEventAttr inherited() {
        return new PerfEventAttr(type, config, samplePeriod, frequency, sampleType, wakeupEvents, config1, config2,
                disabled, true, bpType);
    }

    /**
     * A hardware breakpoint on {@code length} bytes at {@code address}, sampling every access of
     * the kinds {@code bpType} names ({@link PerfLayouts#BREAKPOINT_R}, {@code _W}, {@code _X});
     * inherited by the threads the watched task creates later, as bpftrace opens its watchpoints.
     * An execution breakpoint covers {@code sizeof(long)} bytes whatever {@code length} says (as
     * perf_event_open(2) requires).
     */
    public static PerfEventAttr breakpoint(int bpType, long address, long length) {
        long len = (bpType & PerfLayouts.BREAKPOINT_X) != 0 ? Long.BYTES : length;
        return new PerfEventAttr(PerfLayouts.TYPE_BREAKPOINT, 0, 1, false, 0, 1, address, len, false, true, bpType);
    }

    /** A tracepoint's event, counting every hit. */
    public static PerfEventAttr tracepoint(long id) {
        return new PerfEventAttr(PerfLayouts.TYPE_TRACEPOINT, id, 1, false, 0, 1, 0, 0, false);
    }

    /** A software event sampled {@code hz} times a second (cpu-clock for {@link PerfLayouts#SW_CPU_CLOCK}). */
    public static PerfEventAttr softwareFrequency(int config, long hz) {
        return new PerfEventAttr(PerfLayouts.TYPE_SOFTWARE, config, hz, true, 0, 1, 0, 0, false);
    }

    /** A software event sampled every {@code period} events (nanoseconds for cpu-clock). */
    public static PerfEventAttr softwarePeriod(int config, long period) {
        return new PerfEventAttr(PerfLayouts.TYPE_SOFTWARE, config, period, false, 0, 1, 0, 0, false);
    }

    /** The output event of a perf buffer: raw samples written by {@code bpf_perf_event_output}. */
    public static PerfEventAttr bpfOutput(int wakeupEvents) {
        return new PerfEventAttr(PerfLayouts.TYPE_SOFTWARE, PerfLayouts.SW_BPF_OUTPUT, 1, false,
                PerfLayouts.SAMPLE_RAW, Math.max(1, wakeupEvents), 0, 0, true);
    }
}
