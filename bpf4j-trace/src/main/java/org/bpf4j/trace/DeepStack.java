package org.bpf4j.trace;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Runs work that recurses over a script's syntax tree (parsing, type-checking, generating, printing
 * the tree) on a thread of its own with a large stack, so that deeply nested scripts (thousands of
 * parentheses or braces, long chains of operators) compile as current bpftrace compiles them, where
 * a thread's default stack overflows after a few hundred levels. The stack is reserved, not
 * committed: only what the recursion touches is used.
 */
public final class DeepStack {
    /** Bytes of stack the work's thread reserves: about 30,000 nested parentheses. */
    static final long STACK_BYTES = 1L << 30;

    private DeepStack() {}

    /**
     * Runs {@code work} on a thread with a deep stack and returns its result; what it throws is
     * thrown here (a {@link StackOverflowError} too, when even that stack is not enough). The
     * caller waits; an interrupt while it waits is kept and the wait goes on. Where the system
     * will not give a thread so large a stack (little memory, strict overcommit), the work runs on
     * the caller's thread: a deeply nested script is then the nesting error sooner.
     *
     * @param work the work
     * @param <T> its result's type
     * @return its result
     */
    public static <T> T call(Supplier<T> work) {
        return call(work, STACK_BYTES);
    }

    /** As {@link #call(Supplier)}, with a thread of {@code stackBytes} of stack. */
    static <T> T call(Supplier<T> work, long stackBytes) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread t = new Thread(null, () -> {
            try {
                result.set(work.get());
            } catch (Throwable e) {
                failure.set(e);
            }
        }, "bpf4j-trace-compile", stackBytes);
        t.setDaemon(true);
        try {
            t.start();
        } catch (OutOfMemoryError e) {
            return work.get(); // no thread with that stack: the caller's own
        }
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        Throwable e = failure.get();
        if (e instanceof RuntimeException r) {
            throw r;
        }
        if (e instanceof Error err) {
            throw err;
        }
        if (e != null) {
            throw new IllegalStateException(e); // a checked exception thrown sneakily
        }
        return result.get();
    }

    /**
     * The place a script nests deepest: the opening bracket ({@code (}, {@code [} or {@code {})
     * with the most open brackets around it, outside strings and comments, as a span of that
     * character (the script's first character if it has no brackets); its depth is {@code depth[0]}.
     */
    static Span deepestBracket(String text, int[] depth) {
        int open = 0;
        int best = 0;
        int at = 0;
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c == '"') {
                i++;
                while (i < text.length() && text.charAt(i) != '"' && text.charAt(i) != '\n') {
                    i += text.charAt(i) == '\\' ? 2 : 1;
                }
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '/') {
                while (i < text.length() && text.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < text.length() && text.charAt(i + 1) == '*') {
                int end = text.indexOf("*/", i + 2);
                i = end < 0 ? text.length() : end + 1;
            } else if (c == '(' || c == '[' || c == '{') {
                open++;
                if (open > best) {
                    best = open;
                    at = i;
                }
            } else if ((c == ')' || c == ']' || c == '}') && open > 0) {
                open--;
            }
            i++;
        }
        depth[0] = best;
        return text.isEmpty() ? Span.NONE : new Span(at, at + 1);
    }
}
