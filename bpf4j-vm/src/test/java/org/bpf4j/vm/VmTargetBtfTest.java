package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayout;
import org.bpf4j.spec.ContextLayouts;
import org.junit.jupiter.api.Test;

/** The VM's target BTF describes the contexts the VM gives programs: the same structs, sizes and field offsets. */
class VmTargetBtfTest {
    /** Context structs that are not UAPI (kernel-internal or arch-specific variants the BTF does not hold). */
    private static final java.util.Set<String> NOT_UAPI = java.util.Set.of("bpf_nf_ctx", "syscall", "tracepoint",
            "lirc_mode2", "bpf_raw_tracepoint_args"); // the last ends in a flexible array: its BTF size is 0

    @Test
    void everyContextLayoutAgreesWithTheTargetBtf() {
        Btf btf = VmTargetBtf.btf();
        int checkedLayouts = 0, checkedFields = 0;
        List<String> problems = new ArrayList<>();
        for (ContextLayout layout : ContextLayouts.all()) {
            String struct = layout.struct();
            if (NOT_UAPI.contains(struct) || layout.name().endsWith("/aarch64")) {
                continue;
            }
            int id = btf.typeIdByName(struct, 4);
            if (id <= 0) {
                problems.add(layout.name() + ": struct " + struct + " is not in vm-target.btf");
                continue;
            }
            checkedLayouts++;
            Map<String, long[]> members = new HashMap<>();
            collect(btf, id, 0, members, 0);
            if (btf.sizeOf(id) != layout.size()) {
                problems.add(layout.name() + ": size " + layout.size() + ", BTF " + btf.sizeOf(id));
            }
            for (ContextField f : layout.fields()) {
                long[] m = member(members, f);
                if (m == null && f.name().endsWith("_pad")) {
                    continue; // the catalog's name for padding the header leaves unnamed (bpf_sk_lookup.remote_port_pad)
                }
                if (m == null) {
                    problems.add(layout.name() + "." + f.name() + ": no such member in BTF");
                } else if (m[0] != f.offset()) {
                    problems.add(layout.name() + "." + f.name() + ": offset " + f.offset() + ", BTF " + m[0]);
                } else {
                    checkedFields++;
                }
            }
        }
        System.out.println("vm-target.btf: " + checkedLayouts + " context layouts, " + checkedFields
                + " fields agree with the catalog");
        assertEquals(List.of(), problems);
        assertTrue(checkedLayouts >= 20, "layouts checked: " + checkedLayouts);
    }

    @Test
    void holdsTheUapiEnums() {
        Btf btf = VmTargetBtf.btf();
        BtfType t = btf.typeById(btf.typeIdByName("xdp_action", 6));
        assertTrue(t instanceof BtfType.Enum e && e.values().stream().anyMatch(v -> v.name().equals("XDP_TX")
                && v.value() == 3), "enum xdp_action: " + t);
        for (String e : List.of("sk_action", "bpf_func_id", "bpf_map_type", "bpf_prog_type", "bpf_adj_room_mode")) {
            assertTrue(btf.typeIdByName(e, 6) > 0, "enum " + e);
        }
    }

    @Test
    void coreTargetAddsTheObjectsOwnTypesTheVmLacks() {
        Btf own = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, 1, 0, 32),
                new BtfType.Struct("task_struct", 8, List.of(new BtfType.Member("pid", 1, 32, 0))),
                new BtfType.Struct("xdp_md", 4, List.of(new BtfType.Member("data", 1, 0, 0))),
                new BtfType.Struct("xdp_md___local", 4, List.of(new BtfType.Member("data", 1, 0, 0))),
                new BtfType.Ptr("", 3)));
        Btf target = VmTargetBtf.coreTarget(own);
        int task = target.typeIdByName("task_struct", 4);
        assertTrue(task > 0);
        BtfType.Struct s = (BtfType.Struct) target.typeById(task);
        assertEquals("int", target.resolve(s.members().get(0).type()).name());
        assertEquals(List.of(btf("xdp_md")), target.typeIdsByName("xdp_md"), "the VM's xdp_md, not the object's");
        assertEquals(List.of(), target.typeIdsByName("xdp_md___local"));
        BtfType.Ptr p = (BtfType.Ptr) target.types().get(target.types().size() - 1);
        assertEquals(btf("xdp_md"), p.type(), "the object's pointer to xdp_md points to the VM's");
    }

    /** The member a catalog field is: by name, by the kernel's register name, or element i of an array ("args[1]"). */
    private static long[] member(Map<String, long[]> members, ContextField f) {
        long[] m = members.getOrDefault(f.name(), members.get(kernelName(f.name())));
        java.util.regex.Matcher e = java.util.regex.Pattern.compile("(\\w+)\\[(\\d+)]").matcher(f.name());
        if (m == null && e.matches() && members.containsKey(e.group(1))) {
            return new long[] {members.get(e.group(1))[0] + Long.parseLong(e.group(2)) * f.elementSize()};
        }
        return m;
    }

    /**
     * The kernel's name of an x86-64 register the UAPI {@code struct pt_regs} (the catalog's
     * names) calls otherwise: {@code rbx} is {@code bx}, {@code eflags} is {@code flags}.
     */
    private static String kernelName(String uapi) {
        return switch (uapi) {
            case "orig_rax" -> "orig_ax";
            case "eflags" -> "flags";
            default -> uapi.matches("r[a-z]{2}") ? uapi.substring(1) : uapi;
        };
    }

    private static int btf(String struct) {
        return VmTargetBtf.btf().typeIdByName(struct, 4);
    }

    /** Members by name with their byte offsets, through anonymous structs and unions. */
    private static void collect(Btf btf, int id, long base, Map<String, long[]> out, int depth) {
        List<BtfType.Member> ms = switch (btf.resolve(id)) {
            case BtfType.Struct s -> s.members();
            case BtfType.Union u -> u.members();
            default -> List.of();
        };
        for (BtfType.Member m : ms) {
            long off = base + m.bitOffset() / 8;
            if (!m.name().isEmpty()) {
                out.putIfAbsent(m.name(), new long[] {off});
            }
            // Nested members count too (bpf_perf_event_data.regs.di is the catalog's flat "rdi").
            if (depth < 4) {
                collect(btf, m.type(), off, out, depth + 1);
            }
        }
    }
}
