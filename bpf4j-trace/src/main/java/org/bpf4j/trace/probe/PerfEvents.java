package org.bpf4j.trace.probe;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The software and hardware perf events of {@code software:} and {@code hardware:} probes, by every
 * name bpftrace accepts for them, with bpftrace's default sample periods.
 */
final class PerfEvents {
    /** An event: its {@code perf_event_attr.config} and the sample period bpftrace uses without one. */
    record Event(int config, long defaultPeriod) {}

    private static final Map<String, Event> SOFTWARE = new HashMap<>();
    private static final Map<String, Event> HARDWARE = new HashMap<>();

    static {
        soft(0, 1_000_000, "cpu-clock", "cpu");
        soft(1, 1_000_000, "task-clock");
        soft(2, 100, "page-faults", "faults");
        soft(3, 1_000, "context-switches", "cs");
        soft(4, 1, "cpu-migrations");
        soft(5, 100, "minor-faults");
        soft(6, 1, "major-faults");
        soft(7, 1, "alignment-faults");
        soft(8, 1, "emulation-faults");
        soft(9, 1, "dummy");
        soft(10, 1, "bpf-output");
        hard(0, 1_000_000, "cpu-cycles", "cycles");
        hard(1, 1_000_000, "instructions");
        hard(2, 1_000_000, "cache-references");
        hard(3, 1_000_000, "cache-misses");
        hard(4, 100_000, "branch-instructions", "branches");
        hard(5, 100_000, "branch-misses");
        hard(6, 100_000, "bus-cycles");
        hard(7, 1_000_000, "frontend-stalls");
        hard(8, 1_000_000, "backend-stalls");
        hard(9, 1_000_000, "ref-cycles");
    }

    private PerfEvents() {}

    /** The software ({@code soft}) or hardware event of this name, or null. */
    static Event find(boolean soft, String name) {
        return (soft ? SOFTWARE : HARDWARE).get(name);
    }

    private static void soft(int config, long period, String... names) {
        for (String n : names) {
            SOFTWARE.put(n, new Event(config, period));
        }
    }

    private static void hard(int config, long period, String... names) {
        for (String n : names) {
            HARDWARE.put(n, new Event(config, period));
        }
    }

    /** The names of the hardware events, for {@code -l}. */
    static List<String> hardwareEvents() {
        return HARDWARE.keySet().stream().sorted().toList();
    }

    /** The names of the software events, for {@code -l}. */
    static List<String> softwareEvents() {
        return SOFTWARE.keySet().stream().sorted().toList();
    }
}
