package org.bpf4j.jit;

import org.bpf4j.UnsupportedFeatureException;

/**
 * The JIT could not compile a function of a program (it is larger than the JIT accepts, or the
 * generated code broke a class file limit). Thrown by {@link Jit#prepare} under
 * {@link Jit.Fallback#FAIL}; under {@link Jit.Fallback#INTERPRETER} the program runs on the
 * interpreter instead. The message names the program and the function's first instruction.
 */
public final class JitCompilationException extends UnsupportedFeatureException {
    /** A failure to compile, with what went wrong. */
    public JitCompilationException(String message) {
        super(message);
    }

    /** A failure to compile caused by an error of the class file library or the JVM. */
    public JitCompilationException(String message, Throwable cause) {
        super(message);
        initCause(cause);
    }
}
