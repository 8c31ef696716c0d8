package org.bpf4j.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The kernel's own types, as a verifier needs them to check calls of kernel functions (kfuncs)
 * and loads through pointers to kernel objects: the prototype of a kernel function and the layout
 * of a kernel structure. A backend builds it from a kernel's BTF (the object model's
 * {@code BtfKernelTypes}, for {@code /sys/kernel/btf/vmlinux} or a saved vmlinux BTF file), so
 * that a program can be verified offline, on any OS, against the kernel it will run on.
 *
 * <p>Types are given with typedefs, {@code const}, {@code volatile} and {@code restrict}
 * skipped; the type tags of a pointer's target (such as {@code rcu}, {@code percpu},
 * {@code user}, {@code untrusted}, {@code kptr}) are kept on the pointer. Implementations are
 * immutable and thread-safe.
 */
public interface KernelTypes {
    /** Where these types come from, for messages (such as {@code /sys/kernel/btf/vmlinux}). */
    String source();

    /** The prototype of the kernel function {@code name}, if the kernel's BTF describes one. */
    Optional<Function> function(String name);

    /** The structure or union with BTF id {@code id}, if {@code id} names one. */
    Optional<Struct> struct(int id);

    /** The structure or union called {@code name} (the first such in the BTF), if any. */
    Optional<Struct> structByName(String name);

    /**
     * The prototype that the typedef {@code name} names through a pointer, as the kernel describes
     * a BTF tracepoint's arguments ({@code btf_trace_sched_switch}: a pointer to a function whose
     * first parameter is the tracepoint's private data), if there is such a typedef.
     */
    default Optional<Function> pointedPrototype(String name) {
        return Optional.empty();
    }

    /**
     * The kernel variable {@code name} (a BTF {@code VAR}, which is what a typed {@code __ksym}
     * extern names), if the kernel's BTF describes one; the kernel's BTF usually lists its per-CPU
     * variables only.
     */
    default Optional<Variable> variable(String name) {
        return Optional.empty();
    }

    /** No kernel types: every lookup finds nothing. */
    KernelTypes NONE = new KernelTypes() {
        @Override
        public String source() {
            return "no kernel BTF";
        }

        @Override
        public Optional<Function> function(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<Struct> struct(int id) {
            return Optional.empty();
        }

        @Override
        public Optional<Struct> structByName(String name) {
            return Optional.empty();
        }

        @Override
        public String toString() {
            return source();
        }
    };

    /** A type, with typedefs and qualifiers skipped. Switch over it without {@code default}. */
    sealed interface Type permits Void, Scalar, Pointer, Composite, Array, Other {
    }

    /** {@code void}. */
    record Void() implements Type {
    }

    /**
     * An integer, enumeration, boolean or floating point number.
     *
     * @param size its size in bytes
     */
    record Scalar(int size) implements Type {
    }

    /**
     * A pointer.
     *
     * @param target the BTF id of the pointed type when it is a structure or union; 0 otherwise
     * @param targetName the pointed type's name ({@code task_struct}; {@code void}, {@code char}, ...)
     * @param targetSize the pointed type's size in bytes (0 for {@code void} and functions)
     * @param tags the type tags on the pointed type ({@code rcu}, {@code percpu}, {@code user}, ...)
     */
    record Pointer(int target, String targetName, long targetSize, Set<String> tags) implements Type {
        /** Copies the tags. */
        public Pointer {
            Objects.requireNonNull(targetName);
            tags = Set.copyOf(tags);
        }

        /** Whether this points to a structure or union. */
        public boolean toStruct() {
            return target != 0;
        }
    }

    /**
     * A structure or union held in place (a member of another).
     *
     * @param id its BTF id ({@link KernelTypes#struct(int)})
     */
    record Composite(int id) implements Type {
    }

    /**
     * An array.
     *
     * @param element the element type
     * @param elementSize the element's size in bytes
     * @param count the number of elements (0 for a flexible array)
     */
    record Array(Type element, long elementSize, long count) implements Type {
        /** Checks the element type. */
        public Array {
            Objects.requireNonNull(element);
        }
    }

    /**
     * Anything else (a function type, a forward declaration, ...).
     *
     * @param what the BTF kind, for messages
     */
    record Other(String what) implements Type {
    }

    /**
     * A member of a structure or union.
     *
     * @param name its name ({@code ""} for an anonymous one)
     * @param offset its byte offset (the byte holding its first bit, for a bit field)
     * @param bitOffset its offset in bits
     * @param bitfieldSize its width in bits for a bit field, 0 otherwise
     * @param type its type
     * @param size its size in bytes
     */
    record Member(String name, long offset, long bitOffset, int bitfieldSize, Type type, long size) {
        /** Checks the name and type. */
        public Member {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
        }
    }

    /**
     * A structure or union.
     *
     * @param id its BTF id
     * @param name its name
     * @param size its size in bytes
     * @param union whether it is a union
     * @param members its members in order
     */
    record Struct(int id, String name, long size, boolean union, List<Member> members) {
        /** Copies the members. */
        public Struct {
            Objects.requireNonNull(name);
            members = List.copyOf(members);
        }

        /** The member called {@code memberName}, if any. */
        public Optional<Member> member(String memberName) {
            return members.stream().filter(m -> m.name().equals(memberName)).findFirst();
        }
    }

    /**
     * A parameter of a kernel function.
     *
     * @param name its name (the kernel gives some a meaning by suffix, such as {@code __sz} or {@code __nullable})
     * @param type its type
     */
    record Param(String name, Type type) {
        /** Checks the name and type. */
        public Param {
            Objects.requireNonNull(name);
            Objects.requireNonNull(type);
        }
    }

    /**
     * A kernel variable.
     *
     * @param name its name
     * @param typeId the BTF id of its type, typedefs and qualifiers skipped (a structure's id is
     *     the one {@link KernelTypes#struct(int)} takes)
     * @param typeName that type's name ({@code rq}, {@code int}; {@code ""} for an anonymous one)
     * @param type its type
     * @param size its size in bytes (0 when BTF cannot tell)
     * @param percpu whether it is a per-CPU variable (in the kernel's {@code .data..percpu} section):
     *     its address is then that of CPU 0's copy, for {@code bpf_per_cpu_ptr} and
     *     {@code bpf_this_cpu_ptr} to turn into a CPU's
     */
    record Variable(String name, int typeId, String typeName, Type type, long size, boolean percpu) {
        /** Checks the name and types. */
        public Variable {
            Objects.requireNonNull(name);
            Objects.requireNonNull(typeName);
            Objects.requireNonNull(type);
        }
    }

    /**
     * A kernel function's prototype.
     *
     * @param name the function's name
     * @param ret its return type
     * @param params its parameters
     */
    record Function(String name, Type ret, List<Param> params) {
        /** Copies the parameters. */
        public Function {
            Objects.requireNonNull(name);
            Objects.requireNonNull(ret);
            params = List.copyOf(params);
        }
    }
}
