package org.bpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.bpf4j.spec.KernelTypes;
import org.junit.jupiter.api.Test;

/** Kernel variables as {@link BtfKernelTypes} finds them, on a small kernel-like BTF. */
class BtfKernelTypesTest {
    private static final BtfKernelTypes TYPES = new BtfKernelTypes(Btf.of(List.of(
            new BtfType.Void(),
            new BtfType.Int("int", 4, BtfType.Int.SIGNED, 0, 32), // 1
            new BtfType.Struct("rq", 16, List.of(new BtfType.Member("nr_running", 1, 0, 0),
                    new BtfType.Member("cpu", 1, 96, 0))), // 2
            new BtfType.Const("", 2), // 3
            new BtfType.Var("runqueues", 2, BtfType.Linkage.GLOBAL), // 4: per-CPU
            new BtfType.Var("prog_active", 1, BtfType.Linkage.GLOBAL), // 5: per-CPU
            new BtfType.Var("boot_rq", 3, BtfType.Linkage.GLOBAL), // 6: not per-CPU, const
            new BtfType.Datasec(".data..percpu", 20, List.of(new BtfType.VarSecInfo(4, 0, 16),
                    new BtfType.VarSecInfo(5, 16, 4))))), "test BTF");

    @Test
    void perCpuVariablesAreTheOnesOfThePerCpuSection() {
        KernelTypes.Variable rq = TYPES.variable("runqueues").orElseThrow();
        assertTrue(rq.percpu());
        assertEquals(2, rq.typeId());
        assertEquals("rq", rq.typeName());
        assertEquals(16, rq.size());
        assertInstanceOf(KernelTypes.Composite.class, rq.type());
        KernelTypes.Variable active = TYPES.variable("prog_active").orElseThrow();
        assertTrue(active.percpu());
        assertEquals(new KernelTypes.Scalar(4), active.type());
        assertEquals("int", active.typeName());
    }

    @Test
    void otherVariablesAndQualifiers() {
        KernelTypes.Variable boot = TYPES.variable("boot_rq").orElseThrow();
        assertFalse(boot.percpu());
        assertEquals(2, boot.typeId(), "const skipped");
        assertEquals(16, boot.size());
        assertTrue(TYPES.variable("rq").isEmpty(), "a structure is no variable");
        assertTrue(TYPES.variable("nothing").isEmpty());
        assertTrue(KernelTypes.NONE.variable("runqueues").isEmpty());
    }
}
