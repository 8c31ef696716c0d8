package org.bpf4j.linux;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.HelperCatalog;
import org.bpf4j.spec.HelperSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/**
 * Feature probes against this kernel. Only facts that hold on every kernel new enough for the
 * rest of the suite are asserted; the helper scan must include every helper the catalog allows.
 */
@KernelTest
class FeaturesTest {
    @Test
    void basicTypesAreAvailableAndUnknownOnesAreNot() {
        Features f = new Features(Kernel.system());
        for (ProgramType t : new ProgramType[] {ProgramType.SOCKET_FILTER, ProgramType.KPROBE, ProgramType.SCHED_CLS,
            ProgramType.XDP, ProgramType.CGROUP_SOCKOPT, ProgramType.SYSCALL}) {
            assertTrue(f.programType(t), t.kernelName());
        }
        for (MapType t : new MapType[] {MapType.HASH, MapType.ARRAY, MapType.LPM_TRIE, MapType.RINGBUF,
            MapType.HASH_OF_MAPS, MapType.SK_STORAGE, MapType.CGROUP_STORAGE, MapType.BLOOM_FILTER,
            MapType.STRUCT_OPS}) {
            assertTrue(f.mapType(t), t.kernelName());
        }
        assertFalse(f.mapType(MapType.UNSPEC));
        assertFalse(f.programType(ProgramType.UNSPEC));
    }

    @Test
    void helperScanAgreesWithTheCatalogForSocketFilters() {
        Features f = new Features(Kernel.system());
        Set<String> kernel = new HashSet<>();
        for (HelperSpec h : f.helpers(ProgramType.SOCKET_FILTER)) {
            kernel.add(h.name());
        }
        assertTrue(kernel.contains("map_lookup_elem"));
        assertTrue(kernel.contains("skb_load_bytes"));
        assertFalse(kernel.contains("xdp_adjust_head"));
        Set<String> catalog = new HashSet<>();
        HelperCatalog.linux().allowedHelpers(ProgramType.SOCKET_FILTER).forEach(h -> catalog.add(h.name()));
        Set<String> onlyKernel = new HashSet<>(kernel);
        onlyKernel.removeAll(catalog);
        Set<String> onlyCatalog = new HashSet<>(catalog);
        onlyCatalog.removeAll(kernel);
        System.out.println("socket_filter helpers: kernel " + kernel.size() + ", catalog " + catalog.size()
                + ", kernel only " + onlyKernel + ", catalog only " + onlyCatalog);
        // The kernel may allow more than the catalog (a newer kernel than the catalog's, and the probe
        // counts as available what is refused for other reasons, such as sleepable-only helpers, as
        // libbpf does); everything the catalog allows must be there.
        assertEquals(Set.of(), onlyCatalog, "helpers the catalog allows that the kernel does not");
    }
}
