package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bpf4j.isa.Instruction;
import org.bpf4j.object.btf.Btf;
import org.bpf4j.object.btf.BtfType;
import org.bpf4j.object.btf.CoreRelocationKind;
import org.bpf4j.object.btf.CoreResolver;
import org.junit.jupiter.api.Test;

/**
 * CO-RE relocations of {@code objects/features.o} ({@code core_reads}) resolved against the BTF
 * of {@code objects/target.o}, which lays {@code struct sample_ctx} and {@code enum sample_kind}
 * out differently, and against a BTF that lacks them.
 */
class CoreRelocatorTest {
    private final ObjectSpec features = TestObjects.parse("features.o");
    private final ProgramSpec program = features.program("core_reads").orElseThrow();

    private static Map<String, String> byKind(List<CoreResolver.Result> results) {
        Map<String, String> out = new LinkedHashMap<>();
        for (CoreResolver.Result r : results) {
            out.merge(r.relocation().kind() + " " + r.relocation().accessString(),
                    r.resolved() ? r.localValue() + "->" + r.targetValue() : r.localValue() + "->unresolved",
                    (a, b) -> a);
        }
        return out;
    }

    @Test
    void resolvesAgainstAnotherLayout() {
        Btf target = TestObjects.parse("target.o").btf().orElseThrow();
        CoreRelocator.Relocated r = CoreRelocator.relocate(features, program, target);
        Map<String, String> values = byKind(r.results());
        assertEquals("4->8", values.get("FIELD_BYTE_OFFSET 0:1"), values.toString()); // second
        assertEquals("1->1", values.get("FIELD_EXISTS 0:0"));                          // first
        assertEquals("8->12", values.get("FIELD_BYTE_OFFSET 0:3"));                    // wide's 4-byte unit
        assertEquals("4->4", values.get("FIELD_BYTE_SIZE 0:3"));
        assertEquals("52->37", values.get("FIELD_LSHIFT_U64 0:3"));
        assertEquals("55->53", values.get("FIELD_RSHIFT_U64 0:3"));
        assertEquals("0->0", values.get("FIELD_SIGNED 0:3"));
        assertEquals("12->24", values.get("TYPE_SIZE 0"));
        assertEquals("1->1", values.get("TYPE_EXISTS 0"));
        assertEquals("5->9", values.get("ENUMVAL_VALUE 1"));
        for (CoreResolver.Result res : r.results()) {
            assertTrue(res.resolved(), res.description());
        }
        // The instructions now hold the target's values.
        assertTrue(r.program().code().atSlot(program.coreRelocations().get(0).slot()).toString().contains("8"));
        assertEquals(program.code().slotCount(), r.program().code().slotCount());
        // Against its own BTF nothing changes.
        CoreRelocator.Relocated self = CoreRelocator.relocate(features, program, features.btf().orElseThrow());
        assertEquals(program.code(), self.program().code());
    }

    @Test
    void missingTypesGiveZeroOrPoison() {
        Btf empty = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32)));
        CoreRelocator.Relocated r = CoreRelocator.relocate(features, program, empty);
        Map<String, String> values = byKind(r.results());
        assertEquals("1->0", values.get("FIELD_EXISTS 0:0"));
        assertEquals("1->0", values.get("TYPE_EXISTS 0"));
        assertEquals("12->0", values.get("TYPE_SIZE 0")); // libbpf: 0, not a poisoned instruction
        assertEquals("4->unresolved", values.get("FIELD_BYTE_OFFSET 0:1"));
        int poisonedSlot = program.coreRelocations().get(0).slot();
        assertEquals(Instruction.Call.helper(CoreRelocator.POISON_HELPER), r.program().code().atSlot(poisonedSlot));
        assertFalse(r.results().get(0).resolved());
        assertEquals(program.code().slotCount(), r.program().code().slotCount());
    }

    /** The program with the instruction at {@code slot} holding {@code value} instead of what the compiler wrote. */
    private ProgramSpec holding(int slot, long value) {
        List<Instruction> insns = new java.util.ArrayList<>(program.code().instructions());
        int pos = program.code().positionAt(slot);
        insns.set(pos, switch (insns.get(pos)) {
            case Instruction.Alu a -> new Instruction.Alu(a.wide(), a.op(), a.dst(), org.bpf4j.isa.Operand.imm((int) value));
            case Instruction.Load l -> new Instruction.Load(l.size(), l.signExtend(), l.dst(), l.src(), (short) value);
            case Instruction insn -> throw new AssertionError("not an ALU or load: " + insn);
        });
        return program.withCode(org.bpf4j.isa.Code.of(insns));
    }

    private int slotOf(String kindAndAccess) {
        return program.coreRelocations().stream()
                .filter(c -> (c.kind() + " " + c.accessString()).equals(kindAndAccess)).findFirst().orElseThrow().slot();
    }

    @Test
    void aBitfieldsOffsetIsTheCompilersChoiceButAPlainFieldsIsChecked() {
        // libbpf validates a bitfield's signedness and right shift only (bcc's tcppktlat and
        // bindsnoop read bitfields with another load than libbpf computes: clang-19 wrote 4 where
        // the BTF gives 2, and 16 where it gives 19)
        Btf target = TestObjects.parse("target.o").btf().orElseThrow();
        CoreRelocator.Relocated r = CoreRelocator.relocate(features, holding(slotOf("FIELD_BYTE_OFFSET 0:3"), 4), target);
        assertEquals(12, r.results().stream().filter(x -> x.relocation().kind() == CoreRelocationKind.FIELD_BYTE_OFFSET
                && x.relocation().accessString().equals("0:3")).findFirst().orElseThrow().targetValue());
        org.bpf4j.MalformedInputException e = org.junit.jupiter.api.Assertions.assertThrows(
                org.bpf4j.MalformedInputException.class,
                () -> CoreRelocator.relocate(features, holding(slotOf("FIELD_BYTE_OFFSET 0:1"), 6), target));
        assertTrue(e.getMessage().contains("the instruction holds 6 but the object's BTF gives 4"), e.getMessage());
        assertThrowsHolding("FIELD_RSHIFT_U64 0:3", 54, target);
    }

    private void assertThrowsHolding(String relocation, long value, Btf target) {
        org.junit.jupiter.api.Assertions.assertThrows(org.bpf4j.MalformedInputException.class,
                () -> CoreRelocator.relocate(features, holding(slotOf(relocation), value), target), relocation);
    }

    @Test
    void anonymousMembersAreSkippedAndNamesFoundThroughTheTargetsAnonymousMembers() {
        // local: struct s { int a; union { int args[4]; int reply; }; }  access 0:1:0:2 = args[2] at 12
        Btf local = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Array("", 1, 1, 4),
                new BtfType.Union("", 16, List.of(new BtfType.Member("args", 2, 0, 0),
                        new BtfType.Member("reply", 1, 0, 0))),
                new BtfType.Struct("s", 20, List.of(new BtfType.Member("a", 1, 0, 0),
                        new BtfType.Member("", 3, 32, 0)))));
        // target: struct s { long x; int a; union { int reply; int args[4]; }; }  args[2] at 16 + 8
        Btf target = Btf.of(List.of(new BtfType.Void(), new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32),
                new BtfType.Int("long", 8, BtfType.Int.SIGNED, 0, 64), new BtfType.Array("", 1, 1, 4),
                new BtfType.Union("", 16, List.of(new BtfType.Member("reply", 1, 0, 0),
                        new BtfType.Member("args", 3, 0, 0))),
                new BtfType.Struct("s", 32, List.of(new BtfType.Member("x", 2, 0, 0),
                        new BtfType.Member("a", 1, 64, 0), new BtfType.Member("", 4, 128, 0)))));
        CoreResolver.Result r = CoreResolver.resolve(local, new org.bpf4j.object.btf.CoreRelocation(0, 4, "0:1:0:2",
                org.bpf4j.object.btf.CoreRelocationKind.FIELD_BYTE_OFFSET), target);
        assertTrue(r.resolved(), r.description());
        assertEquals(12, r.localValue());
        assertEquals(24, r.targetValue());
    }

    @Test
    void flavoredEnumeratorsMatchByEssentialName() {
        Btf local = Btf.of(List.of(new BtfType.Void(), new BtfType.Enum("xdp_action___local", 4, false,
                List.of(new BtfType.EnumValue("XDP_PASS___local", 2), new BtfType.EnumValue("XDP_NOPE___local", 99)))));
        Btf target = Btf.of(List.of(new BtfType.Void(), new BtfType.Enum("xdp_action", 4, false,
                List.of(new BtfType.EnumValue("XDP_ABORTED", 0), new BtfType.EnumValue("XDP_PASS", 5)))));
        CoreResolver.Result pass = CoreResolver.resolve(local, new org.bpf4j.object.btf.CoreRelocation(0, 1, "0",
                org.bpf4j.object.btf.CoreRelocationKind.ENUMVAL_VALUE), target);
        assertTrue(pass.resolved(), pass.description());
        assertEquals(5, pass.targetValue());
        CoreResolver.Result nope = CoreResolver.resolve(local, new org.bpf4j.object.btf.CoreRelocation(0, 1, "1",
                org.bpf4j.object.btf.CoreRelocationKind.ENUMVAL_EXISTS), target);
        assertEquals(0, nope.targetValue());
    }
}
