package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.MalformedInputException;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** The context layouts: the access cases of {@code context-access-cases.txt} and the table's consistency. */
class ContextLayoutsTest {
    /** Program types whose context is typed by BTF, not a fixed struct: they have no layout. */
    private static final Set<ProgramType> BTF_TYPED = EnumSet.of(ProgramType.UNSPEC, ProgramType.TRACING,
            ProgramType.STRUCT_OPS, ProgramType.EXT, ProgramType.LSM);

    private static String resource(String name) throws IOException {
        try (InputStream in = ContextLayoutsTest.class.getResourceAsStream(name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @TestFactory
    List<DynamicTest> accessCases() throws IOException {
        List<DynamicTest> tests = new ArrayList<>();
        String[] lines = resource("context-access-cases.txt").split("\n");
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\s+");
            int number = i + 1;
            tests.add(DynamicTest.dynamicTest("line " + number + ": " + line, () -> check(f, number)));
        }
        assertTrue(tests.size() > 150, "the case file has " + tests.size() + " cases");
        return tests;
    }

    private static void check(String[] f, int line) {
        assertEquals(5, f.length, "line " + line + " has 5 columns");
        String[] who = f[0].split(",");
        ProgramType type = ProgramType.valueOf(who[0]);
        Optional<AttachType> attach = Optional.empty();
        Arch arch = Arch.X86_64;
        for (int i = 1; i < who.length; i++) {
            Optional<Arch> a = Arch.byName(who[i]);
            if (a.isPresent()) {
                arch = a.get();
            } else {
                attach = Optional.of(AttachType.valueOf(who[i]));
            }
        }
        ContextLayout layout = ContextLayouts.forProgram(type, attach, arch)
                .orElseThrow(() -> new AssertionError("no layout for " + f[0]));
        boolean write = f[1].equals("w");
        boolean signExtend = f[1].equals("rsx");
        Optional<ContextField> field = layout.access(Integer.parseInt(f[2]), Integer.parseInt(f[3]), write, signExtend);
        String got = field.map(x -> x.name() + ":" + x.kind().token()).orElse("refused");
        assertEquals(f[4], got, layout.name() + " " + f[1] + " off=" + f[2] + " size=" + f[3]);
    }

    @Test
    void everyProgramTypeWithAFixedContextHasALayoutOfItsStruct() {
        for (ProgramType type : ProgramType.values()) {
            if (BTF_TYPED.contains(type)) {
                assertEquals(Optional.empty(), ContextLayouts.forProgram(type, Optional.empty(), Arch.X86_64), type.name());
                continue;
            }
            // cgroup_sock_addr and cgroup_sockopt are refused by the kernel without an attach type.
            Optional<AttachType> attach = switch (type) {
                case CGROUP_SOCK_ADDR -> Optional.of(AttachType.CGROUP_INET4_CONNECT);
                case CGROUP_SOCKOPT -> Optional.of(AttachType.CGROUP_GETSOCKOPT);
                default -> Optional.empty();
            };
            for (Arch arch : Arch.values()) {
                ContextLayout layout = ContextLayouts.forProgram(type, attach, arch)
                        .orElseThrow(() -> new AssertionError("no layout for " + type + " on " + arch));
                type.contextStruct().ifPresent(s -> {
                    if (!s.equals("bpf_perf_event_data") || layout.struct().equals(s)) {
                        assertEquals(s, layout.struct(), type.name());
                    }
                });
            }
        }
        assertEquals(Optional.empty(), ContextLayouts.forProgram(ProgramType.CGROUP_SOCK_ADDR, Optional.empty(), Arch.X86_64));
    }

    @Test
    void knownGeometry() {
        ContextLayout skb = ContextLayouts.byName("__sk_buff/tc").orElseThrow();
        assertEquals(192, skb.size());
        assertEquals(76, skb.field("data").orElseThrow().offset());
        assertEquals(140, skb.field("data_meta").orElseThrow().offset());
        assertEquals(20, skb.field("cb").orElseThrow().size());
        assertEquals(24, ContextLayouts.byName("xdp_md").orElseThrow().size());
        assertEquals(168, ContextLayouts.byName("pt_regs/x86_64").orElseThrow().size());
        assertEquals(272, ContextLayouts.byName("pt_regs/aarch64").orElseThrow().size());
        assertEquals(ContextFieldKind.PACKET_END, skb.field("data_end").orElseThrow().kind());
        assertEquals("sk_buff", ContextLayouts.byName("bpf_nf_ctx").orElseThrow().field("skb").orElseThrow().btfType());
    }

    /** Every access any layout allows lies inside the struct and inside one field (or is the field's legacy padded load). */
    @Test
    void allowedAccessesStayInTheirField() {
        int allowed = 0;
        for (ContextLayout layout : ContextLayouts.all()) {
            for (int off = -8; off < layout.size() + 8; off++) {
                for (int width : new int[] {1, 2, 4, 8}) {
                    for (boolean write : new boolean[] {false, true}) {
                        Optional<ContextField> field = layout.access(off, width, write, false);
                        if (field.isEmpty()) {
                            continue;
                        }
                        allowed++;
                        ContextField x = field.get();
                        String what = layout.name() + " off=" + off + " size=" + width;
                        assertEquals(0, off % width, what);
                        assertTrue(x.contains(off), what);
                        assertTrue(off + width <= x.end() || off == x.offset(), what);
                        assertTrue(off + width <= layout.size() || layout.name().equals("syscall"), what);
                        if (x.kind().isPointer()) {
                            assertFalse(write, what + ": pointers are never written");
                            assertFalse(layout.access(off, width, false, true).isPresent(), what + " sign-extended");
                        }
                    }
                }
            }
        }
        assertTrue(allowed > 1000, allowed + " allowed accesses");
    }

    @Test
    void malformedTablesNameTheLine() {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> ContextLayouts.parseLayouts("x\t-\t0\t8\t0\t-\t-\t-\nx\ta\t0\t4\t4\tweird\t4\t-\n", "t.tsv"));
        assertEquals("t.tsv:2: unknown field kind 'weird'", e.getMessage());
        e = assertThrows(MalformedInputException.class,
                () -> ContextLayouts.parseLayouts("x\ta\t0\t4\t4\tscalar\t4\t-\n", "t.tsv"));
        assertTrue(e.getMessage().startsWith("t.tsv:1: field of layout x before"), e.getMessage());
        e = assertThrows(MalformedInputException.class,
                () -> ContextLayouts.parseLayouts("x\t-\t0\t8\t0\t-\t-\t-\nx\ta\t0\t4\t4\tscalar\t3\t-\n", "t.tsv"));
        assertTrue(e.getMessage().contains("width 3"), e.getMessage());
        e = assertThrows(MalformedInputException.class,
                () -> ContextLayouts.parseLayouts("x\t-\t0\t8\t0\t-\t-\t-\nx\ta\t0\t4\t4\tscalar\t4\t-\nx\tb\t2\t4\t4\tscalar\t4\t-\n", "t.tsv"));
        assertTrue(e.getMessage().contains("overlaps"), e.getMessage());
    }
}
