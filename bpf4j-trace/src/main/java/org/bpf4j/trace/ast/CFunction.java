package org.bpf4j.trace.ast;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.isa.Code;

/**
 * A global function of BPF C that a script imports ({@code import "lib.bpf.c";}, or a compiled
 * {@code .bpf.o}): the script calls it by name, as current bpftrace links such functions into its
 * programs. Its code is appended to each program that calls it (a BPF-to-BPF call). Immutable.
 *
 * @param name the function's name
 * @param params its parameters' types, in order
 * @param result its result's type, empty for {@code void}
 * @param code its instructions, followed by those of the functions it calls (their calls
 *     relative, so the block is placed whole)
 * @param file the file it was compiled from, as imported
 * @param problem why it cannot be called (a parameter of a type bpf4j does not pass, maps or
 *     global data it uses), empty if it can
 */
public record CFunction(String name, List<CType> params, Optional<CType> result, Code code, String file,
        Optional<String> problem) {
    public CFunction {
        Objects.requireNonNull(name);
        params = List.copyOf(params);
        Objects.requireNonNull(result);
        Objects.requireNonNull(code);
        Objects.requireNonNull(problem);
    }

    /**
     * A C integer type (an enum's, a bool's; a pointer is a 64-bit unsigned integer here).
     *
     * @param c its name in C, for messages
     * @param size its size in bytes (1, 2, 4 or 8)
     * @param signed whether it is signed
     */
    public record CType(String c, int size, boolean signed) {}
}
