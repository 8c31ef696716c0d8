package org.bpf4j.trace.runtime;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bpf4j.spec.MapType;
import org.bpf4j.trace.codegen.CompiledScript;
import org.bpf4j.trace.codegen.Events;
import org.bpf4j.trace.sema.MapInfo;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.vm.Cpus;
import org.bpf4j.vm.Execution;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.map.BpfMap;
import org.bpf4j.vm.map.MapDefinition;
import org.bpf4j.vm.map.RingBufferMap;

/**
 * Runs a compiled script on the bpf4j VM: creates its maps, loads its programs, runs BEGIN, the
 * interval probes on their timers and END, reads the events and prints what bpftrace prints.
 * Probes of the {@code java} provider are fired from Java with {@link #fire}. One thread runs the
 * programs at a time (the run loop or a {@link #fire} caller); the class is not otherwise thread-safe.
 * Close it to release the maps.
 */
public final class VmTraceRuntime implements AutoCloseable {
    /** Capacity of each script map, bpftrace's default. */
    public static final int MAP_ENTRIES = 4096;
    /** Bytes of the context a probe gets: 16 arguments and the return value. */
    public static final int CONTEXT_BYTES = 8 * 17;

    private final CompiledScript script;
    private final Output out;
    private final List<BpfMap> maps = new ArrayList<>();
    private final RingBufferMap ring;
    private final BpfMap globals;
    private final List<Loaded> programs = new ArrayList<>();
    private final Values values;
    private final MapPrinter printer;
    private final AtomicBoolean exitRequested = new AtomicBoolean();
    private boolean finalizing;
    private int exitCode;

    private record Loaded(CompiledScript.ProbeProgram probe, VmProgram program, Execution execution) {}

    /** Creates the maps and loads the programs. */
    public VmTraceRuntime(CompiledScript script, Output out, VmOptions options) {
        this.script = script;
        this.out = out;
        try {
            for (MapInfo m : script.maps()) {
                MapType type = m.perCpu() ? MapType.PERCPU_HASH : MapType.HASH;
                maps.add(BpfMap.create(MapDefinition.of(m.name(), type, CompiledScript.keySize(m),
                        CompiledScript.valueSize(m), MAP_ENTRIES)));
            }
            ring = (RingBufferMap) BpfMap.create(MapDefinition.of("events", MapType.RINGBUF, 0, 0,
                    CompiledScript.RING_SIZE));
            maps.add(ring);
            globals = BpfMap.create(MapDefinition.of("globals", MapType.ARRAY, 4, 8, 1));
            maps.add(globals);
            for (CompiledScript.ProbeProgram p : script.programs()) {
                VmProgram prog = VmProgram.load(p.name(), p.code(), maps, options);
                programs.add(new Loaded(p, prog, prog.newExecution()));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
        long bootToWall = System.currentTimeMillis() * 1_000_000L - options.environment().monotonicNanos().getAsLong();
        values = new Values(script.events(), out, bootToWall);
        printer = new MapPrinter(out, values, Cpus.count());
        byte[] start = new byte[8];
        java.nio.ByteBuffer.wrap(start).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                .putLong(options.environment().monotonicNanos().getAsLong());
        globals.put(new byte[4], start, BpfMap.ANY);
    }

    /** Number of attach points, as "Attaching N probes..." counts them. */
    public int probeCount() {
        return programs.size();
    }

    /** True once a program called exit() (or {@link #requestExit()} was called). */
    public boolean exitRequested() {
        return exitRequested.get();
    }

    /** Asks the run loop to stop (as SIGINT does for bpftrace). */
    public void requestExit() {
        exitRequested.set(true);
    }

    /** The exit code a script's {@code exit(code)} gave (0 by default). */
    public int exitCode() {
        return exitCode;
    }

    /**
     * Runs the script to its end: BEGIN, interval probes until exit() or {@link #requestExit()}, END,
     * then prints the maps. Probes of other providers wait for {@link #fire}.
     */
    public void run() throws InterruptedException {
        out.attached(programs.size());
        fireProvider("BEGIN");
        List<long[]> timers = new ArrayList<>();
        List<Loaded> intervals = new ArrayList<>();
        long now = System.nanoTime();
        for (Loaded l : programs) {
            if (l.probe().attachPoint().provider().equals("interval")) {
                intervals.add(l);
                long period = periodNanos(l.probe().attachPoint().parts());
                timers.add(new long[] {now + period, period});
            }
        }
        boolean waitForever = intervals.isEmpty() && programs.stream().anyMatch(l -> !isSpecial(l));
        while (!exitRequested.get()) {
            if (intervals.isEmpty()) {
                if (!waitForever) {
                    // Nothing can fire any more: bpftrace would wait for Ctrl-C; we stop here.
                    break;
                }
                Thread.sleep(10);
                continue;
            }
            int next = 0;
            for (int i = 1; i < timers.size(); i++) {
                if (timers.get(i)[0] < timers.get(next)[0]) {
                    next = i;
                }
            }
            long wait = timers.get(next)[0] - System.nanoTime();
            if (wait > 0) {
                Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
            }
            timers.get(next)[0] += timers.get(next)[1];
            runProgram(intervals.get(next), new byte[CONTEXT_BYTES]);
        }
        finish();
    }

    private static boolean isSpecial(Loaded l) {
        String p = l.probe().attachPoint().provider();
        return p.equals("BEGIN") || p.equals("END");
    }

    /** Runs END, then prints every map (after two empty lines in text form, as bpftrace does). */
    public void finish() {
        finalizing = false;
        exitRequested.set(true);
        fireProvider("END");
        out.out().print("\n\n");
        for (int i = 0; i < script.maps().size(); i++) {
            printer.print(script.maps().get(i), maps.get(i), 0, 0);
        }
        out.out().flush();
    }

    private static long periodNanos(List<String> parts) {
        long n = Long.parseLong(parts.get(1));
        return switch (parts.getFirst()) {
            case "s" -> n * 1_000_000_000L;
            case "ms" -> n * 1_000_000L;
            case "us" -> n * 1_000L;
            case "hz" -> 1_000_000_000L / Math.max(1, n);
            default -> throw new IllegalArgumentException("interval unit " + parts.getFirst());
        };
    }

    private void fireProvider(String provider) {
        for (Loaded l : programs) {
            if (l.probe().attachPoint().provider().equals(provider)) {
                runProgram(l, new byte[CONTEXT_BYTES]);
            }
        }
    }

    /**
     * Fires every probe attached to {@code java:NAME} (a probe written {@code java:NAME} or
     * {@code java:CLASS:METHOD}, matched on the text after {@code java:}) with up to 16 arguments
     * ({@code arg0}...) and a return value ({@code retval}); prints their events. Returns the number
     * of programs run.
     */
    public int fire(String name, long retval, long... args) {
        if (args.length > 16) {
            throw new IllegalArgumentException("at most 16 arguments, not " + args.length);
        }
        byte[] ctx = new byte[CONTEXT_BYTES];
        java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(ctx).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < args.length; i++) {
            bb.putLong(8 * i, args[i]);
        }
        bb.putLong(8 * 16, retval);
        int n = 0;
        for (Loaded l : programs) {
            var ap = l.probe().attachPoint();
            if (ap.provider().equals("java") && matches(String.join(":", ap.parts()), name)) {
                runProgram(l, ctx);
                n++;
            }
        }
        return n;
    }

    private static boolean matches(String pattern, String name) {
        String regex = "\\Q" + pattern.replace("*", "\\E.*\\Q") + "\\E";
        return name.matches(regex);
    }

    private void runProgram(Loaded l, byte[] ctx) {
        if (finalizing) {
            return;
        }
        l.execution().runWithMemory(ctx);
        drain();
    }

    private void drain() {
        ring.poll(this::event);
        long lost = ring.dropped();
        if (lost > 0) {
            out.lost(lost);
        }
        out.out().flush();
    }

    private void event(byte[] e) {
        if (finalizing) {
            return;
        }
        long id = Values.u64(e, 0);
        if (id >= Events.PRINTF_BASE) {
            Events.Printf p = script.events().printfs().get((int) (id - Events.PRINTF_BASE));
            List<Object> args = new ArrayList<>();
            for (int i = 0; i < p.layout().elements().size(); i++) {
                args.add(values.argument(p.layout().elements().get(i), e, 8 + p.layout().offset(i)));
            }
            out.printf(p.format().format(args));
            return;
        }
        switch ((int) id) {
            case (int) Events.EXIT -> {
                exitCode = (int) Values.u64(e, 8);
                exitRequested.set(true);
                finalizing = true;
            }
            case (int) Events.PRINT_MAP -> {
                int m = (int) Values.u64(e, 8);
                printer.print(script.maps().get(m), maps.get(m), Values.u64(e, 16), Values.u64(e, 24));
            }
            case (int) Events.PRINT_VALUE -> {
                Type t = script.events().printValues().get((int) Values.u64(e, 8));
                out.value(values.render(t, e, 16, out.json()));
            }
            case (int) Events.TIME -> {
                String fmt = script.events().timeFormats().get((int) Values.u64(e, 8));
                long nanos = System.currentTimeMillis() * 1_000_000L;
                out.time(Strftime.format(fmt, java.time.ZonedDateTime.now(), nanos % 1_000_000_000L));
            }
            case (int) Events.CLEAR, (int) Events.ZERO -> {
                int m = (int) Values.u64(e, 8);
                BpfMap map = maps.get(m);
                for (byte[] k : map.keys()) {
                    if (id == Events.CLEAR) {
                        map.remove(k);
                    } else {
                        byte[] v = map.lookup(k).orElse(null);
                        if (v != null) {
                            map.put(k, new byte[v.length], BpfMap.EXIST);
                        }
                    }
                }
            }
            default -> throw new IllegalStateException("unknown event id " + id);
        }
    }

    @Override
    public void close() {
        for (BpfMap m : maps) {
            m.close();
        }
        maps.clear();
    }
}
