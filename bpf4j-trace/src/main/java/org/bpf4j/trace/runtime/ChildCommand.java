package org.bpf4j.trace.runtime;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The command of {@code -c CMD}: started held back (a shell waiting on a FIFO, which then
 * {@code exec}s the command, so the process keeps its pid), released once the probes are attached,
 * and waited for. {@link #pid()} is what {@code cpid} gives. Close it to kill the command if it is
 * still running and to remove the FIFO.
 */
public final class ChildCommand implements AutoCloseable {
    private final Process process;
    private final Path dir;
    private final Path fifo;
    private boolean released;

    private ChildCommand(Process process, Path dir, Path fifo) {
        this.process = process;
        this.dir = dir;
        this.fifo = fifo;
    }

    /**
     * Starts a command (split into words at blanks, quotes grouping words; no other shell syntax)
     * held back until {@link #release()}. Its standard streams are this process's.
     *
     * @throws IOException if the FIFO or the process cannot be made
     * @throws IllegalArgumentException if the command is empty or its program cannot be found
     */
    public static ChildCommand start(String command) throws IOException {
        List<String> words = split(command);
        if (words.isEmpty()) {
            throw new IllegalArgumentException("the command of -c is empty");
        }
        String program = words.getFirst();
        if (!program.contains("/") && findInPath(program) == null) {
            throw new IllegalArgumentException("failed to find the command '" + program + "' in $PATH");
        }
        if (program.contains("/") && !Files.isExecutable(Path.of(program))) {
            throw new IllegalArgumentException("the command '" + program + "' does not exist or is not executable");
        }
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
        return new ChildCommand(p, dir, fifo);
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

    /** The words of a command line: blanks separate, single or double quotes group. */
    static List<String> split(String command) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        boolean inWord = false;
        char quote = 0;
        for (char c : command.toCharArray()) {
            if (quote != 0) {
                if (c == quote) {
                    quote = 0;
                } else {
                    cur.append(c);
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
                inWord = true;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    out.add(cur.toString());
                    cur.setLength(0);
                    inWord = false;
                }
            } else {
                cur.append(c);
                inWord = true;
            }
        }
        if (inWord) {
            out.add(cur.toString());
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
        try (OutputStream o = Files.newOutputStream(fifo)) {
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

    /** Kills the command if it still runs (releasing it first if it never was), and removes the FIFO. */
    @Override
    public void close() {
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
