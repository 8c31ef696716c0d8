package org.bpf4j.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The context a program receives in r1, field by field, with what the kernel's verifier lets it
 * load and store: {@code xdp_md}, {@code __sk_buff} in the variant of each program type,
 * {@code bpf_sock_addr} for one family of attach types, {@code pt_regs} of one architecture, and so
 * on. Bytes that no field covers (padding, fields this program type may not see) cannot be accessed.
 *
 * <p>Layouts come from {@link ContextLayouts}; they are immutable and thread-safe.
 *
 * @param name   the layout's name: the UAPI struct with a {@code /variant} when the program or
 *               attach type changes what is accessible, such as {@code __sk_buff/tc}
 * @param size   {@code sizeof} the struct: loads and stores at or past it are refused
 * @param fields the accessible fields in offset order, not overlapping
 */
public record ContextLayout(String name, int size, List<ContextField> fields) {

    /** Checks that the fields are sorted, do not overlap and lie inside the struct. */
    public ContextLayout {
        Objects.requireNonNull(name, "name");
        fields = List.copyOf(fields);
        int end = 0;
        for (ContextField f : fields) {
            if (f.offset() < end) {
                throw new IllegalArgumentException("layout " + name + ": field " + f.name() + " at " + f.offset()
                        + " overlaps the previous one or is out of order");
            }
            end = f.end();
        }
        if (end > size) {
            throw new IllegalArgumentException("layout " + name + ": fields end at " + end + ", past its size " + size);
        }
    }

    /** The struct's name without the variant, such as {@code __sk_buff}. */
    public String struct() {
        int slash = name.indexOf('/');
        return slash < 0 ? name : name.substring(0, slash);
    }

    /** The field with this name. */
    public Optional<ContextField> field(String fieldName) {
        return fields.stream().filter(f -> f.name().equals(fieldName)).findFirst();
    }

    /** The field whose bytes include {@code offset}, if any. */
    public Optional<ContextField> fieldAt(int offset) {
        for (ContextField f : fields) {
            if (f.contains(offset)) {
                return Optional.of(f);
            }
            if (f.offset() > offset) {
                break;
            }
        }
        return Optional.empty();
    }

    /**
     * The field a load or store of {@code width} bytes at {@code offset} accesses, if the kernel's
     * verifier allows the access ({@code is_valid_access}); empty when it would refuse it with
     * "invalid bpf_context access off=%d size=%d".
     *
     * @param signExtend whether the load sign-extends ({@code BPF_MEMSX}); ignored for stores
     */
    public Optional<ContextField> access(int offset, int width, boolean write, boolean signExtend) {
        if (offset < 0 || offset >= size) {
            return Optional.empty();
        }
        return fieldAt(offset).filter(f -> f.allows(offset, width, write) && (write || !signExtend || f.allowsSignExtension()));
    }
}
