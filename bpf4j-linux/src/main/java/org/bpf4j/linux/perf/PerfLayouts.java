package org.bpf4j.linux.perf;

import static org.bpf4j.linux.sys.Struct.bytes;
import static org.bpf4j.linux.sys.Struct.skip;
import static org.bpf4j.linux.sys.Struct.u32;
import static org.bpf4j.linux.sys.Struct.u64;

import org.bpf4j.linux.sys.Struct;

/**
 * {@code struct perf_event_attr} and the fields of {@code struct perf_event_mmap_page} that the
 * perf buffer reads, laid out from {@code include/uapi/linux/perf_event.h} (Linux 6.12).
 * {@code PerfLayoutsTest} checks them against offsets a C compiler measured
 * ({@code tools/gen_perf_offsets.c}). The bit-field word after {@code read_format} is the
 * {@code flags} field here, with the bits in {@link #FLAG_DISABLED} and the following constants.
 */
public final class PerfLayouts {
    /** {@code struct perf_event_attr} ({@code PERF_ATTR_SIZE_VER8}, 136 bytes). */
    public static final Struct ATTR = Struct.of("perf_event_attr",
            u32("type"), u32("size"), u64("config"), u64("sample_period"), u64("sample_type"), u64("read_format"),
            u64("flags"), u32("wakeup_events"), u32("bp_type"), u64("config1"), u64("config2"),
            u64("branch_sample_type"), u64("sample_regs_user"), u32("sample_stack_user"), u32("clockid"),
            u64("sample_regs_intr"), u32("aux_watermark"), bytes("sample_max_stack", 2), skip(2),
            u32("aux_sample_size"), skip(4), u64("sig_data"), u64("config3"));

    /** Offset of {@code data_head} in the first page of a perf event's mmap. */
    public static final long DATA_HEAD = 1024;
    /** Offset of {@code data_tail}. */
    public static final long DATA_TAIL = 1032;
    /** Offset of {@code data_offset}. */
    public static final long DATA_OFFSET = 1040;
    /** Offset of {@code data_size}. */
    public static final long DATA_SIZE = 1048;

    /** {@code disabled}: the event starts disabled. */
    public static final long FLAG_DISABLED = 1L;
    /** {@code inherit}: children and new threads of the watched task get the event too. */
    public static final long FLAG_INHERIT = 1L << 1;
    /** {@code freq}: {@code sample_period} is a frequency in Hz. */
    public static final long FLAG_FREQ = 1L << 10;

    /** {@code PERF_TYPE_HARDWARE}. */
    public static final int TYPE_HARDWARE = 0;
    /** {@code PERF_TYPE_SOFTWARE}. */
    public static final int TYPE_SOFTWARE = 1;
    /** {@code PERF_TYPE_TRACEPOINT}. */
    public static final int TYPE_TRACEPOINT = 2;
    /** {@code PERF_TYPE_BREAKPOINT}: a hardware breakpoint (a debug register) on an address. */
    public static final int TYPE_BREAKPOINT = 5;

    /** {@code HW_BREAKPOINT_R}: the breakpoint fires on reads. */
    public static final int BREAKPOINT_R = 1;
    /** {@code HW_BREAKPOINT_W}: the breakpoint fires on writes. */
    public static final int BREAKPOINT_W = 2;
    /** {@code HW_BREAKPOINT_X}: the breakpoint fires when the instruction there is executed. */
    public static final int BREAKPOINT_X = 4;

    /** {@code PERF_COUNT_SW_CPU_CLOCK}. */
    public static final int SW_CPU_CLOCK = 0;
    /** {@code PERF_COUNT_SW_BPF_OUTPUT}. */
    public static final int SW_BPF_OUTPUT = 10;

    /** {@code PERF_SAMPLE_RAW}. */
    public static final long SAMPLE_RAW = 1L << 10;

    /** {@code PERF_RECORD_LOST}. */
    public static final int RECORD_LOST = 2;
    /** {@code PERF_RECORD_SAMPLE}. */
    public static final int RECORD_SAMPLE = 9;

    /** {@code PERF_FLAG_FD_CLOEXEC}. */
    public static final long FLAG_FD_CLOEXEC = 8;

    /** {@code PERF_EVENT_IOC_ENABLE}. */
    public static final long IOC_ENABLE = 0x2400;
    /** {@code PERF_EVENT_IOC_DISABLE}. */
    public static final long IOC_DISABLE = 0x2401;
    /** {@code PERF_EVENT_IOC_SET_BPF} ({@code _IOW('$', 8, __u32)}). */
    public static final long IOC_SET_BPF = 0x40042408L;

    private PerfLayouts() {
    }
}
