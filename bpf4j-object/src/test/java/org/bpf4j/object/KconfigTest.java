package org.bpf4j.object;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code .kconfig} values for {@code objects/features.o}: LINUX_KERNEL_VERSION, CONFIG_HZ (int), CONFIG_BPF_SYSCALL (bool). */
class KconfigTest {
    private final ObjectSpec features = TestObjects.parse("features.o");

    @Test
    void fillsTheKconfigMap() {
        int version = Kconfig.kernelVersion(6, 18, 3);
        ObjectSpec filled = Kconfig.fill(features, version, Map.of("CONFIG_HZ", "250", "CONFIG_BPF_SYSCALL", "y"));
        Bytes v = filled.map(".kconfig").orElseThrow().contents();
        assertEquals(16, v.size());
        assertEquals(version, (v.get(0) & 0xff) | (v.get(1) & 0xff) << 8 | (v.get(2) & 0xff) << 16);
        assertEquals(250, (v.get(4) & 0xff) | (v.get(5) & 0xff) << 8);
        assertEquals(1, v.get(8));
        assertEquals(features.programs(), filled.programs());
    }

    @Test
    void weakExternsDefaultToZeroAndBadValuesAreRefused() {
        ObjectSpec filled = Kconfig.fill(features, 1, Map.of());
        assertEquals(0, filled.map(".kconfig").orElseThrow().contents().get(4));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Kconfig.fill(features, 1, Map.of("CONFIG_BPF_SYSCALL", "m")));
        assertEquals("features.o: extern 'CONFIG_BPF_SYSCALL' (__kconfig) is a bool and cannot take 'm'", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Kconfig.fill(features, 1, Map.of("CONFIG_HZ", "0x1ffffffff")));
    }
}
