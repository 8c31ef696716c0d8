package org.bpf4j.spec;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.MalformedInputException;

/**
 * The BPF helper functions of Linux: every helper id from 0 ({@code unspec}) to the last one
 * (211, {@code cgrp_storage_delete}; the kernel froze the helper list there and adds kfuncs
 * instead), with its prototype, and which program types may call which helper.
 *
 * <h2>Data</h2>
 * Three resource files beside this class hold the facts:
 * <ul>
 *   <li>{@code helpers.tsv}: one line per id with the general prototype (return type, argument
 *       types, flags) and the kernel {@code bpf_func_proto} symbol it was taken from;
 *   <li>{@code helper-variants.tsv}: the other prototypes some program types get for the same id
 *       (for example {@code perf_event_output} takes a context in every type but is a different
 *       kernel function for tracepoints, skb and xdp programs; tracing programs call
 *       {@code sk_storage_get} with a BTF socket pointer);
 *   <li>{@code helper-availability.tsv}: the kernel's {@code get_func_proto()} functions as data
 *       groups ({@code bpf_base}, {@code bpf_sk_base}, {@code bpf_tracing}, {@code tc_cls_act},
 *       {@code xdp}, ...) with the order in which they consult each other, and the root group of
 *       each program type.
 * </ul>
 * Prototypes and availability follow Linux 6.12; ids and names follow the current UAPI header.
 *
 * <h2>What is approximate</h2>
 * {@link #allowed(ProgramType, HelperSpec)} answers for a fully privileged loader (CAP_BPF,
 * CAP_PERFMON, CAP_NET_ADMIN, no kernel lockdown) on a kernel built with the usual options, and
 * it ignores conditions the kernel checks at load time, so it can say yes where a particular
 * program is refused:
 * <ul>
 *   <li>capability tiers of the base helpers (for example {@code spin_lock} needs CAP_BPF and
 *       {@code probe_read_kernel} CAP_PERFMON);
 *   <li>attach-type conditions (for example {@code bind} only in {@code cgroup/connect4} and
 *       {@code cgroup/connect6}; {@code seq_printf} only in iterators; {@code get_func_arg} only
 *       in trampoline programs; {@code get_retval} not in some cgroup hooks);
 *   <li>sleepable and recursion-checked variants of a prototype, and the per-attach variants of
 *       {@code get_func_ip} and {@code get_attach_cookie} in kprobe programs: the catalog gives
 *       the ordinary one;
 *   <li>{@link ProgramType#STRUCT_OPS}: the set depends on the struct_ops kind; the catalog
 *       gives the union of TCP congestion control and sched_ext;
 *   <li>{@link ProgramType#EXT}: freplace programs get the helpers of the program they replace;
 *       the catalog admits every helper.
 * </ul>
 * {@link #condition(ProgramType, HelperSpec)} returns the kernel's condition as text where one
 * exists, so a verifier can report it.
 *
 * <p>Instances are immutable and thread-safe.
 */
public final class HelperCatalog {
    private static final String HELPERS = "helpers.tsv";
    private static final String VARIANTS = "helper-variants.tsv";
    private static final String AVAILABILITY = "helper-availability.tsv";

    private final List<HelperSpec> byId;
    private final Map<String, HelperSpec> byName;
    private final Map<String, HelperSpec> byProto;
    private final List<HelperSpec> variants;
    private final Map<ProgramType, Map<Integer, HelperAvailability.Access>> access;

    private HelperCatalog(List<HelperSpec> byId, List<HelperSpec> variants, Map<String, HelperSpec> byProto,
            Map<ProgramType, Map<Integer, HelperAvailability.Access>> access) {
        this.byId = byId;
        this.variants = variants;
        this.byProto = byProto;
        this.access = access;
        Map<String, HelperSpec> names = new HashMap<>();
        for (HelperSpec h : byId) {
            names.put(h.name(), h);
        }
        this.byName = Map.copyOf(names);
    }

    private static final class Linux {
        static final HelperCatalog INSTANCE = load(Tsv.resource(HELPERS), Tsv.resource(VARIANTS),
                Tsv.resource(AVAILABILITY));
    }

    /**
     * The catalog of Linux helpers, read once from the resource files.
     *
     * @throws MalformedInputException if a resource file is malformed (a build defect)
     */
    public static HelperCatalog linux() {
        return Linux.INSTANCE;
    }

    /** Builds a catalog from the text of the three data files; errors name the file and line. */
    static HelperCatalog load(String helpersText, String variantsText, String availabilityText) {
        List<HelperSpec> helpers = HelperTable.parseHelpers(helpersText, HELPERS);
        for (int i = 0; i < helpers.size(); i++) {
            if (helpers.get(i).id() != i) {
                throw new MalformedInputException(HELPERS + ": helper ids must run 0, 1, 2, ... without gaps; entry "
                        + i + " has id " + helpers.get(i).id());
            }
        }
        Map<String, Integer> ids = new HashMap<>();
        Map<String, HelperSpec> protos = new HashMap<>();
        for (HelperSpec h : helpers) {
            if (ids.put(h.name(), h.id()) != null) {
                throw new MalformedInputException(HELPERS + ": helper name '" + h.name() + "' appears twice");
            }
            if (!h.reserved() && h.kernelProto().isEmpty()) {
                throw new MalformedInputException(HELPERS + ": helper " + h.id() + " " + h.name()
                        + " has no kernel prototype symbol");
            }
            if (!h.kernelProto().isEmpty() && protos.put(h.kernelProto(), h) != null) {
                throw new MalformedInputException(HELPERS + ": prototype " + h.kernelProto() + " appears twice");
            }
        }
        List<HelperSpec> variants = HelperTable.parseVariants(variantsText, VARIANTS, ids);
        for (HelperSpec v : variants) {
            if (v.kernelProto().isEmpty() || protos.put(v.kernelProto(), v) != null) {
                throw new MalformedInputException(VARIANTS + ": prototype '" + v.kernelProto()
                        + "' is empty or appears twice");
            }
        }
        Map<ProgramType, Map<Integer, HelperAvailability.Access>> access =
                HelperAvailability.parse(availabilityText, AVAILABILITY, helpers, protos);
        return new HelperCatalog(List.copyOf(helpers), List.copyOf(variants), Map.copyOf(protos), access);
    }

    /** The helper with this id, if {@code 0 <= id <= }{@link #maxId()}. */
    public Optional<HelperSpec> byId(int id) {
        return id >= 0 && id < byId.size() ? Optional.of(byId.get(id)) : Optional.empty();
    }

    /** The helper with this name, with or without the {@code bpf_} prefix ({@code map_lookup_elem}, {@code bpf_map_lookup_elem}). */
    public Optional<HelperSpec> byName(String name) {
        Objects.requireNonNull(name, "name");
        HelperSpec h = byName.get(name);
        if (h == null && name.startsWith("bpf_")) {
            h = byName.get(name.substring(4));
        }
        return Optional.ofNullable(h);
    }

    /** The prototype (general or variant) with this kernel symbol, such as {@code bpf_perf_event_output_proto_tp}. */
    public Optional<HelperSpec> byKernelProto(String symbol) {
        return Optional.ofNullable(byProto.get(symbol));
    }

    /** Every helper with its general prototype, in id order; element {@code i} has id {@code i}. */
    public List<HelperSpec> all() {
        return byId;
    }

    /** The prototypes other than the general ones that some program types get, in file order. */
    public List<HelperSpec> variants() {
        return variants;
    }

    /** The largest helper id. */
    public int maxId() {
        return byId.size() - 1;
    }

    /**
     * Whether a program of {@code type} may call {@code helper} (matched by id), for a fully
     * privileged loader; see the class description for what this ignores.
     */
    public boolean allowed(ProgramType type, HelperSpec helper) {
        return access.get(type).containsKey(helper.id());
    }

    /**
     * The prototype a program of {@code type} gets for {@code helper} (matched by id): the general
     * one or a variant; empty if the helper is not {@linkplain #allowed allowed}.
     */
    public Optional<HelperSpec> prototype(ProgramType type, HelperSpec helper) {
        HelperAvailability.Access a = access.get(type).get(helper.id());
        return a == null ? Optional.empty() : Optional.of(a.prototype());
    }

    /**
     * The kernel's condition on the call as text, such as {@code "cap=CAP_PERFMON"} or
     * {@code "attach=trace_iter"}, when the helper is allowed only under it; empty when the helper
     * is allowed without a condition or not at all.
     */
    public Optional<String> condition(ProgramType type, HelperSpec helper) {
        HelperAvailability.Access a = access.get(type).get(helper.id());
        return a == null || a.condition().isEmpty() ? Optional.empty() : Optional.of(a.condition());
    }

    /** The helpers (general prototypes) that {@code type} may call, in id order. */
    public List<HelperSpec> allowedHelpers(ProgramType type) {
        List<HelperSpec> out = new ArrayList<>();
        for (int id : access.get(type).keySet()) {
            out.add(byId.get(id));
        }
        return Collections.unmodifiableList(out);
    }
}
