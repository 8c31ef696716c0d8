package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The command of {@code -c CMD}: started held back (a shell waiting on a FIFO, which then
 * {@code exec}s the command, so the process keeps its pid), released once the probes are attached,
 * and waited for. {@link #pid()} is what {@code cpid} gives. Close it to kill the command if it is
 * still running and to remove the FIFO.
 */
public final class ChildCommand implements AutoCloseable {
    /** How long the held shell may take to reach the FIFO before the command is given up. */
    private static final long HOLD_TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    private final Process process;
    private final Path dir;
    private final Path fifo;
    private OutputStream gate;
    private boolean released;

    private ChildCommand(Process process, Path dir, Path fifo, OutputStream gate) {
        this.process = process;
        this.dir = dir;
        this.fifo = fifo;
        this.gate = gate;
    }

    /**
     * Starts a command (split into words at blanks, as current bpftrace: quotes are not special, no other shell syntax)
     * held back until {@link #release()}. Its standard streams are this process's.
     *
     * @throws IOException if the FIFO or the process cannot be made
     * @throws IllegalArgumentException if the command is empty or its program cannot be found (the
     *     message in current bpftrace's words)
     */
    public static ChildCommand start(String command) throws IOException {
        List<String> words = check(command);
        Path dir = Files.createTempDirectory("bpf4j-trace-");
        Path fifo = dir.resolve("go");
        try {
            Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).inheritIO().start();
            if (mk.waitFor() != 0) {
                throw new IOException("mkfifo " + fifo + " failed");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while making " + fifo, e);
        }
        List<String> argv = new ArrayList<>(List.of("/bin/sh", "-c", "read _ < \"$0\" && exec \"$@\"",
                fifo.toString()));
        argv.addAll(words);
        Process p = new ProcessBuilder(argv).inheritIO().start();
        return new ChildCommand(p, dir, fifo, awaitHeld(p, fifo));
    }

    /**
     * The words of a command of {@code -c} (split at blanks, as current bpftrace), checked as
     * current bpftrace checks them before it forks: the first must be a program, found in
     * {@code $PATH} when it has no {@code /}, executable.
     *
     * @throws IllegalArgumentException if the command is empty or its program cannot be found (the
     *     message in current bpftrace's words, which its "Failed to fork child: " precedes)
     */
    public static List<String> check(String command) {
        List<String> words = split(command);
        if (words.isEmpty()) {
            throw new IllegalArgumentException("Empty command (No such file or directory)");
        }
        String program = words.getFirst();
        if (program.contains("/") ? !Files.isExecutable(Path.of(program)) || Files.isDirectory(Path.of(program))
                : findInPath(program) == null) {
            throw new IllegalArgumentException("Path '" + program + "' does not exist or is not executable "
                    + "(No such file or directory)");
        }
        return words;
    }

    /**
     * Waits until the held shell has opened the FIFO, so that its own start-up (the dynamic loader's
     * opens, reading its profile) is over before any probe is attached: opening the write end
     * blocks until the reader has opened it. Without this, under load the shell could still be
     * starting when the probes attach, and its syscalls were counted as the command's.
     */
    private static OutputStream awaitHeld(Process p, Path fifo) throws IOException {
        CompletableFuture<OutputStream> opened = new CompletableFuture<>();
        Thread.ofVirtual().start(() -> {
            try {
                opened.complete(Files.newOutputStream(fifo));
            } catch (IOException e) {
                opened.completeExceptionally(e);
            }
        });
        long deadline = System.nanoTime() + HOLD_TIMEOUT_NANOS;
        while (true) {
            try {
                return opened.get(10, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                if (!p.isAlive() || System.nanoTime() > deadline) {
                    // Unblock the opener with a reader of our own, then give up.
                    try (var r = Files.newInputStream(fifo)) {
                        opened.join().close();
                    } catch (RuntimeException | IOException ignored) {
                        // the opener failed too: nothing is left open
                    }
                    p.destroyForcibly();
                    throw new IOException("the command of -c " + (p.isAlive() ? "did not start" : "exited before it started"));
                }
            } catch (ExecutionException e) {
                p.destroyForcibly();
                throw new IOException("cannot hold the command of -c at " + fifo + ": " + e.getCause().getMessage(), e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                p.destroyForcibly();
                throw new IOException("interrupted while starting the command of -c", e);
            }
        }
    }

    private static Path findInPath(String program) {
        String path = System.getenv("PATH");
        for (String d : (path == null ? "/usr/bin:/bin" : path).split(":")) {
            Path p = Path.of(d.isEmpty() ? "." : d, program);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }

    /**
     * The program of a command as current bpftrace names it in a watchpoint's name: the first
     * word as written if it names a file (a path, or a file in the working directory), else the
     * file it is found as on {@code PATH}; the word itself if it is found nowhere.
     */
    public static String programPath(String command) {
        List<String> words = split(command);
        if (words.isEmpty()) {
            return "";
        }
        String program = words.getFirst();
        if (program.contains("/") || Files.isRegularFile(Path.of(program))) {
            return program;
        }
        Path found = findInPath(program);
        return found == null ? program : found.toString();
    }

    /**
     * The words of a command line as current bpftrace splits {@code -c}'s: at blanks, nothing else
     * (quotes are kept in the words: {@code echo 'A'} runs echo with {@code 'A'}).
     */
    static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        for (String w : command.split(" ")) {
            if (!w.isEmpty()) {
                out.add(w);
            }
        }
        return out;
    }

    /** The command's pid (the same before and after it starts running). */
    public long pid() {
        return process.pid();
    }

    /** Lets the command run. */
    public void release() {
        if (released) {
            return;
        }
        released = true;
        try (OutputStream o = gate) {
            gate = null;
            o.write('\n');
        } catch (IOException e) {
            throw new IllegalStateException("cannot release the command of -c through " + fifo + ": "
                    + e.getMessage(), e);
        }
    }

    /** Whether the command has ended. */
    public boolean exited() {
        return !process.isAlive();
    }

    /** Kills the command if it still runs (one never released exits without running), and removes the FIFO. */
    @Override
    public void close() {
        if (gate != null) {
            try {
                gate.close(); // end of file: the held shell's read fails and it exits without running the command
            } catch (IOException e) {
                // the shell is killed below anyway
            }
            gate = null;
        }
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(1, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            Files.deleteIfExists(fifo);
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            // a temporary file left behind is harmless
        }
    }
}
