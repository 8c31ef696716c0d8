package org.bpf4j.verifier;

import java.util.List;
import java.util.Objects;

/**
 * A global (non-static) function of the program, described by its BTF prototype. Linux verifies
 * such a function once, on its own, with its arguments as the prototype types them, and checks
 * each call only against the prototype (the callee's body is not explored from the call).
 * Immutable.
 *
 * @param slot the slot where the function starts
 * @param name the function's name, for messages
 * @param params the parameters, in order (at most 5)
 */
public record GlobalFunction(int slot, String name, List<Param> params) {
    /** Checks the components and copies the list. */
    public GlobalFunction {
        Objects.requireNonNull(name, "name");
        params = List.copyOf(params);
        if (params.size() > 5) {
            throw new IllegalArgumentException("function " + name + " has more than 5 parameters");
        }
    }

    /** How a parameter is typed by the prototype. */
    public sealed interface Param permits Param.Scalar, Param.Context, Param.Memory, Param.Trusted, Param.Dynptr,
            Param.Unsupported {
        /** An integer or enum: any scalar. */
        record Scalar() implements Param {
        }

        /** A pointer to the program type's context structure. */
        record Context() implements Param {
        }

        /**
         * A pointer to {@code size} bytes (a struct, integer or array), which may be NULL unless the
         * parameter is tagged {@code __arg_nonnull}.
         *
         * @param size the size of the pointed-to type
         * @param nonNull whether callers must pass valid memory ({@code arg:nonnull}), so the body
         *     need not test for NULL
         */
        record Memory(long size, boolean nonNull) implements Param {
            /** Memory that may be NULL. */
            public Memory(long size) {
                this(size, false);
            }
        }

        /**
         * A trusted pointer to a kernel structure ({@code __arg_trusted}), NULL allowed with
         * {@code __arg_nullable}.
         *
         * @param struct the kernel structure's name (a CO-RE flavour's {@code ___suffix} removed)
         * @param nullable whether NULL may be passed
         */
        record Trusted(String struct, boolean nullable) implements Param {
            /** Checks the name. */
            public Trusted {
                Objects.requireNonNull(struct, "struct");
            }
        }

        /**
         * A {@code struct bpf_dynptr *}: the caller passes an initialised dynptr of any kind, which
         * the body may use but not release or overwrite.
         */
        record Dynptr() implements Param {
        }

        /**
         * A type Linux does not accept for a global function's parameter here.
         *
         * @param what the type, for the message
         */
        record Unsupported(String what) implements Param {
            /** Checks the description. */
            public Unsupported {
                Objects.requireNonNull(what, "what");
            }
        }
    }
}
