package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelStructOps;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.VerifierException;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.StructOpsSpec;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * struct_ops: two TCP congestion controls written in C ({@code attach/src/struct_ops.bpf.c}),
 * one in {@code .struct_ops.link} registered through a link, one in {@code .struct_ops}
 * registered by its map update. Each must appear in
 * {@code net.ipv4.tcp_available_congestion_control} while registered and go away when its link
 * is closed. Skipped with the kernel's answer when it refuses struct_ops (EPERM, ENOTSUPP) or has
 * no {@code struct tcp_congestion_ops}.
 */
@KernelTest
class StructOpsAttachTest {
    private static final Path AVAILABLE = Path.of("/proc/sys/net/ipv4/tcp_available_congestion_control");

    private static List<String> available() throws IOException {
        return List.of(Files.readString(AVAILABLE).strip().split("\\s+"));
    }

    /** Whether a name leaves the list within two seconds (the kernel may free a link after an RCU grace period). */
    private static boolean goesAway(String name) throws IOException {
        for (int i = 0; i < 200 && available().contains(name); i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return !available().contains(name);
    }

    @Test
    void theObjectDescribesBothVariables() {
        ObjectSpec spec = ObjectFile.read(Fixtures.DIR.resolve("struct_ops.bpf.o"));
        assertEquals(List.of("bpf4j_link_cc", "bpf4j_upd_cc"), spec.structOps().stream().map(StructOpsSpec::name)
                .toList());
        StructOpsSpec link = spec.structOps().get(0);
        assertTrue(link.link());
        assertFalse(spec.structOps().get(1).link());
        assertEquals("tcp_congestion_ops", link.typeName());
        assertEquals(java.util.Map.of("ssthresh", "b4j_ssthresh", "cong_avoid", "b4j_cong_avoid", "undo_cwnd",
                "b4j_undo_cwnd"), link.functions());
        // name[16] at offset 24, after the three function pointers (whose slots hold no data).
        byte[] data = link.data().toArray();
        assertEquals(40, data.length);
        assertEquals("bpf4j_link_cc", new String(data, 24, 13, java.nio.charset.StandardCharsets.US_ASCII));
        for (int i = 0; i < 24; i++) {
            assertEquals(0, data[i]);
        }
    }

    @Test
    void registersThroughALinkAndByUpdateAndUnregistersOnClose() throws IOException {
        Assumptions.assumeTrue(Files.isReadable(AVAILABLE), "skipped: no " + AVAILABLE + " (no TCP here?)");
        Assumptions.assumeTrue(Kernel.system().vmlinuxBtf().map(b -> b.typeIdByName("tcp_congestion_ops", 4) > 0)
                .orElse(false), "skipped: the kernel's BTF has no struct tcp_congestion_ops");
        assertFalse(available().contains("bpf4j_link_cc"), "left over from an earlier run: " + available());
        KernelObject o;
        try {
            o = Kernel.system().load(ObjectFile.read(Fixtures.DIR.resolve("struct_ops.bpf.o")),
                    LoadOptions.defaults());
        } catch (KernelException e) {
            Assumptions.assumeFalse(e.errno() == Errno.EPERM || e.errno() == Errno.ENOTSUPP,
                    "skipped: the kernel refuses struct_ops maps here (" + e.getMessage() + ")");
            throw e;
        }
        try (o) {
            for (KernelObject.Outcome.Rejected r : o.rejected()) {
                boolean refused = r.error() instanceof VerifierException v
                        && (v.errno() == Errno.EPERM || v.errno() == Errno.ENOTSUPP);
                Assumptions.assumeFalse(refused, "skipped: the kernel refuses struct_ops programs here ("
                        + r.error().getMessage().lines().findFirst().orElse("") + ")");
                throw new AssertionError(r.name() + " was rejected: " + r.error().getMessage());
            }
            assertEquals(List.of("b4j_ssthresh", "b4j_cong_avoid", "b4j_undo_cwnd"),
                    List.copyOf(o.programs().keySet()));
            KernelStructOps viaLink = o.structOps().get("bpf4j_link_cc");
            KernelStructOps viaUpdate = o.structOps().get("bpf4j_upd_cc");
            assertTrue(viaLink.usesLink());
            assertFalse(viaUpdate.usesLink());
            assertFalse(available().contains("bpf4j_link_cc"), "a .struct_ops.link map registers only when linked");
            Attacher attacher = Attacher.of(Kernel.system());
            try (Link link = attacher.structOps(viaLink)) {
                assertTrue(available().contains("bpf4j_link_cc"), available().toString());
                assertTrue(link instanceof BpfLink b && b.info().typeName().equals("struct_ops"), link.toString());
                try (Link upd = attacher.structOps(viaUpdate)) {
                    assertTrue(available().contains("bpf4j_upd_cc"), available().toString());
                    assertTrue(upd instanceof StructOpsRegistration);
                }
                assertTrue(goesAway("bpf4j_upd_cc"), "deleting the element unregisters it");
                assertTrue(available().contains("bpf4j_link_cc"));
            }
            assertTrue(goesAway("bpf4j_link_cc"), "closing the link unregisters it");
        }
    }
}
