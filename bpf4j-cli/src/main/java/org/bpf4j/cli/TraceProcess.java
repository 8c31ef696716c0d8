package org.bpf4j.cli;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code trace} command's process as bpftrace's: its name and the signals it handles beyond
 * Ctrl-C (which ends a run through the JVM's shutdown hooks). Stateless.
 */
final class TraceProcess {
    /** The longest name Linux keeps for a task ({@code TASK_COMM_LEN} less the NUL). */
    static final int COMM_LEN = 15;

    private TraceProcess() {}

    /**
     * Names the process as a native program is named, after the command that started it: when
     * the launcher set {@code argv[0]} to something other than the JVM's executable ({@code exec -a
     * bpf4j java ...}, as {@code ./bpf4j} does), its base name becomes the task name (comm) of the
     * process (its first thread, which runs BEGIN and END in the kernel) and of the calling thread, so that {@code ps},
     * {@code pidof} and the {@code comm} builtin there show it, as they show {@code bpftrace} for
     * bpftrace. Otherwise (plain {@code java ...}) nothing changes. Returns the name now in use, or
     * null if it could not be read.
     */
    static String nameAfterLauncher() {
        String argv0;
        try {
            byte[] cmdline = Files.readAllBytes(Path.of("/proc/self/cmdline"));
            int end = 0;
            while (end < cmdline.length && cmdline[end] != 0) {
                end++;
            }
            argv0 = new String(cmdline, 0, end, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
        String name = argv0.substring(argv0.lastIndexOf('/') + 1);
        String exe = ProcessHandle.current().info().command().map(c -> c.substring(c.lastIndexOf('/') + 1))
                .orElse("java");
        if (name.isEmpty() || name.equals(exe)) {
            return exe;
        }
        byte[] b = name.getBytes(StandardCharsets.UTF_8);
        String comm = new String(b, 0, Math.min(b.length, COMM_LEN), StandardCharsets.UTF_8);
        try {
            // /proc/self is the thread group's leader; thread-self is this thread
            Files.writeString(Path.of("/proc/self/comm"), comm);
            Files.writeString(Path.of("/proc/thread-self/comm"), comm);
        } catch (IOException | RuntimeException e) {
            // a system without writable comm files keeps the JVM's names
        }
        return comm;
    }

    /** What the next SIGINT does: stop the run (set once the run starts), or nothing yet. */
    private static final AtomicReference<Runnable> INTERRUPT =
            new AtomicReference<>();
    /** Set by a SIGINT that came before the run started; the run then stops as soon as it starts. */
    private static final AtomicBoolean INTERRUPTED =
            new AtomicBoolean();
    /** Set once the run is over (END has run, the maps are printed): a SIGINT then ends the process. */
    private static final AtomicBoolean OVER =
            new AtomicBoolean();

    /**
     * Makes Ctrl-C (SIGINT) and SIGTERM stop the run as bpftrace's do: the first one ends the run
     * (END runs and the maps are printed), also when it comes while the script is being compiled and
     * attached; once the run has started, more of them change nothing (current bpftrace's handler only
     * sets its flag, so END runs and the maps are printed whatever follows); one that comes before the
     * run starts, after a first, or once the run is over exits at once (bpftrace restores SIGINT's
     * default action after its run; before it, SIGINT kills it). Takes SIGINT over from the JVM
     * (whose handler would exit at once), also when the process started with SIGINT ignored, as a
     * shell's background job does ({@code bpf4j trace ... &}): bpftrace sets its handler regardless,
     * while the JVM keeps an inherited "ignore", so the default action is restored first. Call early.
     */
    static void catchInterrupt() {
        try {
            String status = Files.readString(Path.of("/proc/self/status"));
            Matcher m = Pattern.compile("(?m)^SigIgn:\\s*([0-9a-fA-F]+)").matcher(status);
            if (m.find() && (Long.parseUnsignedLong(m.group(1), 16) & (1L << (SIGINT - 1))) != 0) {
                Linker linker = Linker.nativeLinker();
                MethodHandle signal = linker.downcallHandle(
                        linker.defaultLookup().find("signal").orElseThrow(),
                        FunctionDescriptor.of(ValueLayout.ADDRESS,
                                ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
                Object unused = signal.invoke(SIGINT, MemorySegment.NULL); // SIG_DFL
            }
            // SIGTERM as SIGINT, as current bpftrace handles both: the run ends (END, the maps), exit
            // status 0 or exit()'s (the JVM's own handling would end with status 143)
            for (String name : new String[] {"INT", "TERM"}) {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    // INTERRUPTED before INTERRUPT is read, and onInterrupt sets INTERRUPT before it
                    // reads INTERRUPTED: whatever the interleaving, one of the two sees the other
                    // and stops the run (read the other way round, a signal that came just as the
                    // run started was lost and the run went on until killed)
                    boolean before = INTERRUPTED.getAndSet(true);
                    Runnable stop = INTERRUPT.get();
                    if (before && stop == null || OVER.get()) {
                        // a second one before the run started, or one after it is over
                        Runtime.getRuntime().exit(128 + s.getNumber());
                    }
                    if (stop != null) {
                        stop.run(); // during the run: ends it (again: nothing new)
                    }
                });
            }
        } catch (Throwable e) {
            // SIGINT keeps the JVM's handling (its shutdown hooks stop the run) or stays ignored
        }
    }

    /**
     * What SIGINT does from now on: {@code stop} ends the run (run at once if a SIGINT came before);
     * null once the run is over, after which a SIGINT ends the process.
     */
    static void onInterrupt(Runnable stop) {
        INTERRUPT.set(stop);
        OVER.set(stop == null);
        if (stop != null && INTERRUPTED.get()) {
            stop.run();
        }
    }

    private static final int SIGINT = 2;

    /**
     * Runs {@code action} (on the JVM's signal thread) whenever the process gets SIGUSR1, for the
     * rest of its life. Does nothing where the JVM does not let programs handle SIGUSR1 (with
     * {@code -Xrs}, or on systems without it).
     */
    static void onUsr1(Runnable action) {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("USR1"), s -> action.run());
        } catch (IllegalArgumentException | UnsupportedOperationException e) {
            // the JVM reserves the signal here: SIGUSR1 then keeps its default action
        }
    }
}
