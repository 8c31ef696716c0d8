package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.isa.CallKind;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.object.btf.CoreRelocation;
import org.bpf4j.object.btf.CoreRelocationKind;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/** The object loader on {@code objects/*.o}, built from the C sources beside them. */
class ObjectFileTest {
    private final ObjectSpec features = TestObjects.parse("features.o");

    @Test
    void parsingTwiceGivesEqualSpecs() {
        for (String name : TestObjects.NAMES) {
            ObjectSpec a = TestObjects.parse(name);
            ObjectSpec b = TestObjects.parse(name);
            assertNotSame(a, b);
            assertEquals(a, b, name);
            assertEquals(a.hashCode(), b.hashCode(), name);
        }
    }

    @Test
    void licenseAndPrograms() {
        assertEquals("Dual BSD/GPL", features.license());
        assertTrue(features.gplCompatible());
        assertEquals(java.util.Set.of("tail_target", "tc_first", "xdp_main", "core_reads"),
                java.util.Set.copyOf(names(features)));
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        assertEquals(Optional.of(ProgramType.XDP), xdp.programType());
        ProgramSpec kprobe = features.program("core_reads").orElseThrow();
        assertEquals(Optional.of("do_nanosleep"), kprobe.attachTarget());
        // Two programs in one section.
        assertEquals(2, features.programs().stream().filter(p -> p.sectionName().equals("tc")).count());
    }

    private static List<String> names(ObjectSpec spec) {
        return spec.programs().stream().map(ProgramSpec::name).toList();
    }

    @Test
    void btfMaps() {
        MapSpec counts = features.map("counts").orElseThrow();
        assertEquals(Optional.of(MapType.HASH), counts.mapType());
        assertEquals(16, counts.keySize());
        assertEquals(24, counts.valueSize());
        assertEquals(128, counts.maxEntries());
        assertEquals(1, counts.flags()); // BPF_F_NO_PREALLOC
        assertEquals(1, counts.pinning()); // LIBBPF_PIN_BY_NAME
        assertEquals("struct key", org.bpf4j.object.btf.BtfFormat.typeName(features.btf().orElseThrow(),
                counts.btfKeyTypeId()));
        MapSpec sized = features.map("sized").orElseThrow();
        assertEquals(List.of(4, 8, 4, 1), List.of(sized.keySize(), sized.valueSize(), sized.maxEntries(),
                sized.numaNode()));
        assertEquals(3, features.map("bloom").orElseThrow().mapExtra());
        assertEquals(Optional.of(MapType.RINGBUF), features.map("events").orElseThrow().mapType());

        MapSpec outer = features.map("outer").orElseThrow();
        assertEquals(Optional.of(MapType.ARRAY_OF_MAPS), outer.mapType());
        assertEquals(4, outer.valueSize());
        MapSpec inner = outer.innerMap().orElseThrow();
        assertEquals(Optional.of(MapType.ARRAY), inner.mapType());
        assertEquals(MapSpec.Origin.INNER, inner.origin());
        assertEquals(List.of(new MapSlot(0, "inner_a"), new MapSlot(2, "inner_b")), outer.initialSlots());
        assertEquals(List.of(new MapSlot(1, "tail_target")), features.map("jumps").orElseThrow().initialSlots());
    }

    /** map_extra as libbpf's __ulong (an ENUM64 of one enumerator) or __uint; the loader refused the enum. */
    @Test
    void mapExtraTakesUlongAndUint() {
        ObjectSpec o = TestObjects.parse("map_extra.o");
        assertEquals(1L << 44, o.maps().stream().filter(m -> m.name().equals("wide")).findFirst().orElseThrow()
                .mapExtra());
        assertEquals(3L, o.maps().stream().filter(m -> m.name().equals("narrow")).findFirst().orElseThrow()
                .mapExtra());
    }

    @Test
    void globalDataMaps() {
        MapSpec data = features.map(".data").orElseThrow();
        assertEquals(MapSpec.Origin.DATA, data.origin());
        assertEquals(Bytes.of(new byte[] {7, 0, 0, 0}), data.contents());
        assertFalse(data.frozen());
        MapSpec rodata = features.map(".rodata").orElseThrow();
        assertTrue(rodata.frozen());
        assertEquals(42, rodata.contents().get(0));
        MapSpec bss = features.map(".bss").orElseThrow();
        assertEquals(32, bss.valueSize());
        assertTrue(bss.contents().isEmpty());
        assertEquals(Bytes.of(new byte[] {3, 0, 0, 0}), features.map(".data.custom").orElseThrow().contents());
        for (MapSpec m : List.of(data, rodata, bss)) {
            assertEquals(Optional.of(MapType.ARRAY), m.mapType());
            assertEquals(1, m.maxEntries());
            assertTrue(m.btfValueTypeId() > 0, m.name() + " has its DATASEC as value type");
        }
    }

    @Test
    void kconfigAndKernelSymbols() {
        MapSpec kconfig = features.map(".kconfig").orElseThrow();
        assertTrue(kconfig.frozen());
        List<ExternSpec> kc = features.externs().stream().filter(e -> e.kind() == ExternSpec.Kind.KCONFIG).toList();
        assertEquals(List.of("LINUX_KERNEL_VERSION", "CONFIG_HZ", "CONFIG_BPF_SYSCALL"),
                kc.stream().map(ExternSpec::name).toList());
        assertEquals(List.of(0, 4, 8), kc.stream().map(ExternSpec::offset).toList());
        assertFalse(kc.get(0).weak());
        assertTrue(kc.get(1).weak());
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        int kconfigIndex = features.mapIndex(".kconfig");
        assertTrue(xdp.mapReferences().stream().anyMatch(r -> r.mapIndex() == kconfigIndex
                && r.kind() == MapReference.Kind.VALUE && r.offset() == 0));

        ProgramSpec core = features.program("core_reads").orElseThrow();
        List<ExternReference> calls = core.externReferences().stream()
                .filter(x -> x.name().equals("bpf_task_acquire")).toList();
        assertEquals(2, calls.size()); // the address check and the call
        ExternReference call = calls.stream().filter(x -> core.code().atSlot(x.slot()) instanceof Instruction.Call)
                .findFirst().orElseThrow();
        assertEquals(new Instruction.Call(CallKind.KFUNC, 0, (short) 0), core.code().atSlot(call.slot()));
        assertTrue(call.declared());
        ExternReference var = core.externReferences().stream().filter(x -> x.name().equals("bpf_prog_active"))
                .findFirst().orElseThrow();
        assertEquals(ExternReference.Kind.VARIABLE, var.kind());
        assertInstanceOf(Instruction.LoadImm64.class, core.code().atSlot(var.slot()));
        assertEquals(Imm64Kind.VARIABLE_ADDRESS, ((Instruction.LoadImm64) core.code().atSlot(var.slot())).kind());
        core.requireLinked();
    }

    @Test
    void linkingAppendsSubprogramsAndFixesCalls() {
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        assertEquals(List.of("loop_body", "global_sub", "add"),
                xdp.subprograms().stream().map(Subprogram::name).toList());
        Code code = xdp.code();
        List<Integer> starts = xdp.subprograms().stream().map(Subprogram::slot).toList();
        int calls = 0;
        for (int slot = 0; slot < code.slotCount(); slot++) {
            Instruction insn = code.atSlot(slot);
            boolean local = insn instanceof Instruction.Call c && c.kind() == CallKind.LOCAL;
            boolean address = insn instanceof Instruction.LoadImm64 l && l.kind() == Imm64Kind.CODE_ADDRESS;
            if (local || address) {
                assertTrue(starts.contains(code.targetOf(slot)), "slot " + slot + " reaches a subprogram start");
                calls++;
            }
        }
        assertEquals(3, calls); // the bpf_loop callback's address, global_sub, add from global_sub
        assertEquals(xdp.ownSlots(), starts.get(0));
        // The tc program appends only what it calls.
        assertEquals(List.of("add"), features.program("tc_first").orElseThrow().subprograms().stream()
                .map(Subprogram::name).toList());
        assertTrue(features.program("tail_target").orElseThrow().subprograms().isEmpty());
    }

    @Test
    void mapReferencesAreLoaderNeutralLddws() {
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        List<String> seen = new ArrayList<>();
        for (MapReference r : xdp.mapReferences()) {
            Instruction.LoadImm64 l = (Instruction.LoadImm64) xdp.code().atSlot(r.slot());
            assertEquals(r.mapIndex(), l.imm());
            assertEquals(features.maps().get(r.mapIndex()).name(), r.mapName());
            if (r.kind() == MapReference.Kind.MAP) {
                assertEquals(Imm64Kind.MAP_BY_INDEX, l.kind());
            } else {
                assertEquals(Imm64Kind.MAP_VALUE_BY_INDEX, l.kind());
                assertEquals(r.offset(), l.nextImm());
            }
            seen.add(r.mapName());
        }
        assertTrue(seen.containsAll(List.of("counts", ".data", ".rodata", ".bss", ".data.custom", ".kconfig")), seen
                .toString());
    }

    @Test
    void funcInfoLineInfoAndCoreRecords() {
        ProgramSpec xdp = features.program("xdp_main").orElseThrow();
        assertEquals(4, xdp.funcInfos().size());
        assertEquals(0, xdp.funcInfos().get(0).slot());
        assertEquals(xdp.subprograms().stream().map(Subprogram::slot).toList(),
                xdp.funcInfos().subList(1, 4).stream().map(f -> f.slot()).toList());
        LineInfo first = xdp.lineInfos().get(0);
        assertTrue(xdp.lineInfos().stream().anyMatch(l -> l.sourceLine().contains("bpf_map_lookup_elem(&counts")));
        assertTrue(first.sourceLine().contains("xdp_main"), first.sourceLine());
        assertTrue(first.fileName().endsWith("features.bpf.c"), first.fileName());
        assertTrue(first.line() > 0);
        assertTrue(xdp.lineInfos().get(1).column() > 0);
        assertEquals(first, xdp.lineAt(0).orElseThrow());

        ProgramSpec core = features.program("core_reads").orElseThrow();
        List<CoreRelocationKind> kinds = core.coreRelocations().stream().map(CoreRelocation::kind).toList();
        assertTrue(kinds.containsAll(List.of(CoreRelocationKind.FIELD_BYTE_OFFSET, CoreRelocationKind.FIELD_EXISTS,
                CoreRelocationKind.FIELD_BYTE_SIZE, CoreRelocationKind.FIELD_LSHIFT_U64,
                CoreRelocationKind.FIELD_RSHIFT_U64, CoreRelocationKind.FIELD_SIGNED, CoreRelocationKind.TYPE_SIZE,
                CoreRelocationKind.TYPE_EXISTS, CoreRelocationKind.ENUMVAL_VALUE)), kinds.toString());
        assertEquals("0:1", core.coreRelocations().get(0).accessString());
    }

    @Test
    void legacyIproute2Maps() {
        ObjectSpec legacy = TestObjects.parse("legacy.o");
        assertTrue(legacy.btf().isEmpty());
        assertEquals(0x050a00, legacy.kernelVersion());
        MapSpec template = legacy.map("template").orElseThrow();
        assertEquals(2, template.pinning()); // PIN_GLOBAL_NS
        assertEquals(MapSpec.Origin.LEGACY, template.origin());
        MapSpec outer = legacy.map("outer").orElseThrow();
        assertEquals("template", outer.innerMap().orElseThrow().name());
        assertEquals(List.of(new MapSlot(5, "member")), outer.initialSlots());
        ProgramSpec cls = legacy.programs().get(0);
        assertEquals("cls_main", cls.name());
        assertEquals(Optional.of(ProgramType.SCHED_CLS), cls.programType());
        assertEquals(List.of("outer", "member"), cls.mapReferences().stream().map(MapReference::mapName).toList());
    }

    @Test
    void sectionNamesFollowLibbpf() {
        ObjectSpec sections = TestObjects.parse("sections.o");
        List<String> actual = new ArrayList<>();
        for (ProgramSpec p : sections.programs()) {
            actual.add(String.join("\t", p.sectionName(), p.name(), p.programType().map(Enum::name).orElse("-"),
                    p.expectedAttachType().map(Enum::name).orElse("-"), p.attachTarget().orElse("-"),
                    p.sectionDef().map(d -> d.flags().toString()).orElse("")));
        }
        List<String> expected = Resources.lines("objects/sections.expected.tsv").stream()
                .filter(l -> !l.startsWith("#")).toList();
        assertEquals(expected, actual);
    }

    @Test
    void relaRelocationsGiveTheSameSpec() {
        byte[] rel = TestObjects.bytes("features.o");
        byte[] rela = ElfEdits.relToRela(rel);
        assertEquals(features.programs(), ObjectFile.parse(rela, "features.o").programs());
    }

    @Test
    void unresolvedFunctionIsALinkError() {
        // A call of an undefined function without BTF: the object parses, the program does not link.
        byte[] bytes = ElfEdits.renameSymbol(TestObjects.bytes("features.o"), "bpf_task_acquire", "bpf_task_acquirx");
        ObjectSpec spec = ObjectFile.parse(bytes, "renamed.o");
        UnresolvedSymbolException e = assertThrows(UnresolvedSymbolException.class,
                () -> spec.linkedProgram("core_reads"));
        assertEquals("bpf_task_acquirx", e.symbol());
        assertTrue(e.getMessage().startsWith("renamed.o: program 'core_reads' (section 'kprobe/do_nanosleep'): "
                + "instruction "), e.getMessage());
        spec.linkedProgram("xdp_main");
    }

    @Test
    void malformedInputNamesTheFault() {
        byte[] bytes = TestObjects.bytes("features.o");
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> ObjectFile.parse(java.util.Arrays.copyOf(bytes, 40), "short.o"));
        assertEquals("short.o: file is 40 bytes, too short for an ELF header (64 bytes)", e.getMessage());
        byte[] moved = ElfEdits.moveRelocation(bytes, "xdp", 0, 4);
        e = assertThrows(MalformedInputException.class, () -> ObjectFile.parse(moved, "foo.o"));
        assertTrue(e.getMessage().matches("foo\\.o: section 'xdp': relocation 0 at offset 0x[0-9a-f]+ is not on an "
                + "instruction boundary"), e.getMessage());
    }
}
