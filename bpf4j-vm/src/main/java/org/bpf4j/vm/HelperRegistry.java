package org.bpf4j.vm;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;

/**
 * The helpers a VM provides, keyed by Linux helper id, with names and prototypes from the
 * catalog ({@link HelperCatalog#linux()}). Immutable and thread-safe; build one with
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
        HelperRegistry.Builder b = builder();
        StandardHelpers.register(b);
        MapHelpers.register(b);
        CallbackHelpers.register(b);
        PrintHelpers.register(b);
        DataHelpers.register(b);
        TracingHelpers.register(b);
        TimerHelpers.register(b);
        PacketHelpers.register(b);
        return b.build();
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

    /** {@code "5 (bpf_ktime_get_ns)"}: the id with its name from the catalog, else the number alone. */
    public String describe(int id) {
        Entry e = byId.get(id);
        String name = e != null ? e.name() : HelperCatalog.linux().byId(id).map(HelperSpec::name).orElse(null);
        return name == null ? Integer.toString(id) : id + " (bpf_" + name + ")";
    }

    /** The catalog entry (prototype) of a registered helper. */
    public Optional<HelperSpec> spec(int id) {
        return byId.containsKey(id) ? HelperCatalog.linux().byId(id) : Optional.empty();
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
         * Registers (or replaces) the Linux helper of that catalog name ({@code ktime_get_ns} or
         * {@code bpf_ktime_get_ns}).
         *
         * @throws UnsupportedFeatureException if the catalog has no helper of that name
         */
        public Builder add(String name, Helper helper) {
            HelperSpec spec = HelperCatalog.linux().byName(name).orElseThrow(
                    () -> new UnsupportedFeatureException("no Linux helper is named " + name));
            return add(spec.id(), spec.name(), helper);
        }

        /**
         * Registers (or replaces) a helper under an id, which need not be a Linux helper (an
         * embedding application may offer its own, above the Linux range).
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
