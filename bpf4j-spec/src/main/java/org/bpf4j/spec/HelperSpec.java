package org.bpf4j.spec;

import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * The prototype of one BPF helper function: what the verifier checks at a {@code call imm}
 * instruction and what the VM must implement. Instances are immutable and thread-safe; they come
 * from {@link HelperCatalog}.
 *
 * <p>Arguments are numbered as the registers that carry them, 1 to 5 ({@code r1}..{@code r5});
 * {@link #args()} is indexed from 0, so argument {@code n} is {@code args().get(n - 1)}.
 *
 * @param id the helper id, the {@code imm} of the call instruction ({@code BPF_FUNC_*})
 * @param name the name without the {@code bpf_} prefix, such as {@code map_lookup_elem}
 * @param ret what the helper returns in r0
 * @param args the argument types, 0 to 5 of them
 * @param flags the helper's verifier-relevant properties
 * @param releasedArg the argument number (1..5) whose reference the call releases, or 0
 * @param btfTypes the BTF struct names of BTF-id pointers, keyed by argument number, with key 0
 *     for the return value (for example {@code task_struct})
 * @param argSizes the fixed sizes in bytes of {@link ArgType#PTR_TO_FIXED_SIZE_MEM},
 *     {@link ArgType#PTR_TO_LONG} and {@link ArgType#PTR_TO_INT} arguments, keyed by argument number
 * @param kernelProto the kernel's {@code struct bpf_func_proto} symbol the prototype was taken from,
 *     such as {@code bpf_map_lookup_elem_proto}; empty for id 0
 * @param note free text, such as which program types use another prototype; may be empty
 */
public record HelperSpec(int id, String name, ReturnType ret, List<ArgType> args, Set<HelperFlag> flags,
        int releasedArg, Map<Integer, String> btfTypes, Map<Integer, Integer> argSizes, String kernelProto,
        String note) {

    /** The most arguments a BPF helper takes (r1 to r5). */
    public static final int MAX_ARGS = 5;

    /** Checks the components and makes immutable copies of the collections. */
    public HelperSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(ret, "ret");
        Objects.requireNonNull(kernelProto, "kernelProto");
        Objects.requireNonNull(note, "note");
        if (id < 0) {
            throw new IllegalArgumentException("helper id must be >= 0: " + id);
        }
        if (name.isEmpty() || name.startsWith("bpf_")) {
            throw new IllegalArgumentException("helper name must be non-empty and without the bpf_ prefix: " + name);
        }
        args = List.copyOf(args);
        if (args.size() > MAX_ARGS) {
            throw new IllegalArgumentException(name + ": " + args.size() + " arguments, at most " + MAX_ARGS);
        }
        flags = flags.isEmpty() ? Set.of() : Collections.unmodifiableSet(EnumSet.copyOf(flags));
        if ((releasedArg != 0) != flags.contains(HelperFlag.RELEASES)) {
            throw new IllegalArgumentException(name + ": releasedArg " + releasedArg + " disagrees with flags " + flags);
        }
        if (releasedArg < 0 || releasedArg > args.size()) {
            throw new IllegalArgumentException(name + ": releasedArg " + releasedArg + " is not an argument");
        }
        btfTypes = Map.copyOf(btfTypes);
        argSizes = Map.copyOf(argSizes);
        for (int k : btfTypes.keySet()) {
            if (k < 0 || k > args.size()) {
                throw new IllegalArgumentException(name + ": BTF type for argument " + k + " which does not exist");
            }
        }
        for (int k : argSizes.keySet()) {
            if (k < 1 || k > args.size()) {
                throw new IllegalArgumentException(name + ": size for argument " + k + " which does not exist");
            }
        }
    }

    /** The C name, with the {@code bpf_} prefix: {@code bpf_map_lookup_elem}. */
    public String kernelName() {
        return "bpf_" + name;
    }

    /** The type of argument {@code argNo} (1..5). */
    public ArgType arg(int argNo) {
        if (argNo < 1 || argNo > args.size()) {
            throw new IndexOutOfBoundsException(name + " has " + args.size() + " arguments, not argument " + argNo);
        }
        return args.get(argNo - 1);
    }

    /** Whether the prototype has {@code flag}. */
    public boolean has(HelperFlag flag) {
        return flags.contains(flag);
    }

    /** Whether only GPL-compatible programs may call this helper. */
    public boolean gplOnly() {
        return has(HelperFlag.GPL_ONLY);
    }

    /** Whether the call may change packet data, so the verifier must forget packet pointers. */
    public boolean changesPacketData() {
        return has(HelperFlag.CHANGES_PACKET_DATA);
    }

    /** Whether the call returns (or initializes) a reference the program must release. */
    public boolean acquires() {
        return has(HelperFlag.ACQUIRES);
    }

    /** Whether the call releases a reference; see {@link #releasedArg()}. */
    public boolean releases() {
        return has(HelperFlag.RELEASES);
    }

    /** Whether this is id 0, which is not a helper. */
    public boolean reserved() {
        return has(HelperFlag.RESERVED);
    }

    /** The BTF struct name of the returned pointer, if the prototype fixes one. */
    public Optional<String> retBtfType() {
        return Optional.ofNullable(btfTypes.get(0));
    }

    /** The BTF struct name that argument {@code argNo} (1..5) must point to, if the prototype fixes one. */
    public Optional<String> argBtfType(int argNo) {
        return argNo < 1 ? Optional.empty() : Optional.ofNullable(btfTypes.get(argNo));
    }

    /** The fixed size in bytes of argument {@code argNo} (1..5), if it is a fixed-size memory argument. */
    public OptionalInt argSize(int argNo) {
        Integer size = argSizes.get(argNo);
        return size == null ? OptionalInt.empty() : OptionalInt.of(size);
    }

    /** A C-like one-line rendering, such as {@code 1 map_lookup_elem(CONST_MAP_PTR, PTR_TO_MAP_KEY) -> PTR_TO_MAP_VALUE_OR_NULL}. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder().append(id).append(' ').append(name).append('(');
        for (int i = 0; i < args.size(); i++) {
            sb.append(i == 0 ? "" : ", ").append(args.get(i));
        }
        return sb.append(") -> ").append(ret).toString();
    }
}
