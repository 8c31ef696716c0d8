/*
 * Prints the byte offset and size of the fields of struct perf_event_attr and struct
 * perf_event_mmap_page that org.bpf4j.linux.perf.PerfLayouts lays out, as
 * "layout<TAB>field<TAB>offset<TAB>size" lines (the bit-field word "flags" is measured as the
 * gap before wakeup_events). Refresh with:
 *   mkdir -p /tmp/uapi/linux && cp LINUX/include/uapi/linux/perf_event.h /tmp/uapi/linux/
 *   gcc -I/tmp/uapi -o /tmp/genperf tools/gen_perf_offsets.c && /tmp/genperf > src/test/resources/perf-offsets.tsv
 */
#include <stddef.h>
#include <stdio.h>
#include <linux/perf_event.h>

#define F(layout, type, member) \
    printf("%s\t%s\t%zu\t%zu\n", layout, #member, offsetof(type, member), sizeof(((type *) 0)->member))
#define S(layout, type) printf("%s\t%s\t%zu\t%zu\n", layout, "(size)", (size_t) 0, sizeof(type))

int main(void) {
    S("perf_event_attr", struct perf_event_attr);
    F("perf_event_attr", struct perf_event_attr, type);
    F("perf_event_attr", struct perf_event_attr, size);
    F("perf_event_attr", struct perf_event_attr, config);
    F("perf_event_attr", struct perf_event_attr, sample_period);
    F("perf_event_attr", struct perf_event_attr, sample_type);
    F("perf_event_attr", struct perf_event_attr, read_format);
    printf("perf_event_attr\tflags\t%zu\t%zu\n", offsetof(struct perf_event_attr, read_format) + 8,
           offsetof(struct perf_event_attr, wakeup_events) - offsetof(struct perf_event_attr, read_format) - 8);
    F("perf_event_attr", struct perf_event_attr, wakeup_events);
    F("perf_event_attr", struct perf_event_attr, bp_type);
    F("perf_event_attr", struct perf_event_attr, config1);
    F("perf_event_attr", struct perf_event_attr, config2);
    F("perf_event_attr", struct perf_event_attr, branch_sample_type);
    F("perf_event_attr", struct perf_event_attr, sample_regs_user);
    F("perf_event_attr", struct perf_event_attr, sample_stack_user);
    F("perf_event_attr", struct perf_event_attr, clockid);
    F("perf_event_attr", struct perf_event_attr, sample_regs_intr);
    F("perf_event_attr", struct perf_event_attr, aux_watermark);
    F("perf_event_attr", struct perf_event_attr, sample_max_stack);
    F("perf_event_attr", struct perf_event_attr, aux_sample_size);
    F("perf_event_attr", struct perf_event_attr, sig_data);
    F("perf_event_attr", struct perf_event_attr, config3);
    F("perf_event_mmap_page", struct perf_event_mmap_page, data_head);
    F("perf_event_mmap_page", struct perf_event_mmap_page, data_tail);
    F("perf_event_mmap_page", struct perf_event_mmap_page, data_offset);
    F("perf_event_mmap_page", struct perf_event_mmap_page, data_size);
    return 0;
}
