package org.bpf4j.vm;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The helpers a VM provides, by Linux helper id. Immutable and thread-safe; build one with
 * {@link #builder()} or start from {@link #standard()}.
 */
public final class HelperRegistry {
    private final Map<Integer, Entry> byId;

    private record Entry(String name, Helper helper) {}

    private HelperRegistry(Map<Integer, Entry> byId) {
        this.byId = Map.copyOf(byId);
    }

    /** The helpers bpf4j implements with the kernel's semantics. */
    public static HelperRegistry standard() {
        return StandardHelpers.register(builder()).build();
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder(new TreeMap<>());
    }

    /** A builder that starts with this registry's helpers. */
    public Builder toBuilder() {
        TreeMap<Integer, Entry> copy = new TreeMap<>(byId);
        return new Builder(copy);
    }

    /** The helper with a Linux helper id. */
    public Optional<Helper> byId(int id) {
        Entry e = byId.get(id);
        return e == null ? Optional.empty() : Optional.of(e.helper());
    }

    /** {@code "5 (bpf_ktime_get_ns)"} for a registered id, else the number alone. */
    public String describe(int id) {
        Entry e = byId.get(id);
        return e == null || e.name() == null ? Integer.toString(id) : id + " (bpf_" + e.name() + ")";
    }

    /** Number of registered helpers. */
    public int size() {
        return byId.size();
    }

    /** Collects helpers; not thread-safe. */
    public static final class Builder {
        private final TreeMap<Integer, Entry> byId;

        private Builder(TreeMap<Integer, Entry> byId) {
            this.byId = byId;
        }

        /**
         * Registers (or replaces) the helper with a Linux id.
         *
         * @param name the helper's name without the {@code bpf_} prefix, for messages
         */
        public Builder add(int id, String name, Helper helper) {
            if (id <= 0) {
                throw new IllegalArgumentException("helper ids start at 1, not " + id);
            }
            byId.put(id, new Entry(name, java.util.Objects.requireNonNull(helper)));
            return this;
        }

        /** The registry. */
        public HelperRegistry build() {
            return new HelperRegistry(byId);
        }
    }
}
