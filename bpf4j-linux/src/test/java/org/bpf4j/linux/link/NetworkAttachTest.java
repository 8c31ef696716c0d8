package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Posix;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.AttachType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * XDP and tcx on a veth in a network namespace the test creates, a socket filter on a unix
 * socket pair, and cgroup programs on a cgroup v2 the test creates; all removed afterwards.
 */
@KernelTest
class NetworkAttachTest {
    private static Netns netns;

    @BeforeAll
    static void namespaces() {
        if (Kernel.probe().available()) {
            netns = Netns.create();
        }
    }

    @AfterAll
    static void removeNamespaces() {
        if (netns != null) {
            netns.close();
            assertFalse(Files.exists(Path.of("/run/netns", netns.a)), "namespace " + netns.a + " left behind");
        }
    }

    private static int ifindexInB() {
        return Netns.inside(netns.b, () -> Posix.ifNameToIndex("v1"));
    }

    @Test
    void xdpOnVethCountsUdpInDefaultAndGenericMode() {
        try (KernelObject o = Fixtures.load("net.bpf.o", "xdp_count")) {
            KernelMap counts = o.map("counts").orElseThrow();
            Attacher a = Attacher.of(Kernel.system());
            for (Attacher.XdpMode mode : new Attacher.XdpMode[] {Attacher.XdpMode.DEFAULT, Attacher.XdpMode.GENERIC}) {
                long before = Fixtures.slot(counts, 0);
                int ifindex = ifindexInB();
                try (Link link = Netns.inside(netns.b, () -> a.xdp(o.programs().get("xdp_count"), ifindex, mode))) {
                    netns.sendFromAToB(5);
                }
                assertEquals(before + 5, Fixtures.slot(counts, 0), "XDP (" + mode + ") counted the datagrams");
                netns.sendFromAToB(2);
                assertEquals(before + 5, Fixtures.slot(counts, 0), "detached: nothing more counted");
            }
        }
    }

    @Test
    void tcxIngressOnVethCountsUdp() {
        try (KernelObject o = Fixtures.load("net.bpf.o", "tcx_count")) {
            KernelMap counts = o.map("counts").orElseThrow();
            int ifindex = ifindexInB();
            try (Link link = Netns.inside(netns.b, () -> Attacher.of(Kernel.system()).tcx(o.programs().get("tcx_count"),
                    ifindex, true))) {
                assertTrue(((BpfLink) link).id() > 0);
                netns.sendFromAToB(4);
            }
            assertEquals(4, Fixtures.slot(counts, 1));
        }
    }

    @Test
    void tcUsesTcxWhereTheKernelHasIt() {
        try (KernelObject o = Fixtures.load("net.bpf.o", "tcx_count")) {
            int ifindex = ifindexInB();
            try (Link link = Netns.inside(netns.b, () -> Attacher.of(Kernel.system()).tc(o.programs().get("tcx_count"),
                    ifindex, true))) {
                assertTrue(link instanceof BpfLink b && b.info().typeName().equals("tcx"), link.toString());
                netns.sendFromAToB(2);
            }
            assertEquals(2, Fixtures.slot(o.map("counts").orElseThrow(), 1));
        }
    }

    /**
     * The fallback to clsact, on this kernel: the attacher's syscall layer is the real one except that
     * it refuses tcx attach types with EINVAL, as kernels before 6.6 do.
     */
    @Test
    void tcFallsBackToAClsactFilterWhereTcxIsRefused() {
        Bpf real = Kernel.system().bpf();
        Bpf noTcx = (Bpf) java.lang.reflect.Proxy.newProxyInstance(Bpf.class.getClassLoader(),
                new Class<?>[] {Bpf.class}, (proxy, method, args) -> {
                    if (method.getName().equals("linkCreate") && args[0] instanceof Bpf.LinkCreate c
                            && (c.attachType() == AttachType.TCX_INGRESS.id()
                            || c.attachType() == AttachType.TCX_EGRESS.id())) {
                        throw new KernelException(Bpf.Command.LINK_CREATE.callName(), Errno.EINVAL, "tcx refused");
                    }
                    try {
                        return method.invoke(real, args);
                    } catch (java.lang.reflect.InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
        Kernel oldKernel = new Kernel(noTcx, Kernel.system().cpus(), Kernel.system()::vmlinuxBtf);
        try (KernelObject o = Fixtures.load("net.bpf.o", "tcx_count")) {
            int ifindex = ifindexInB();
            Link link = Netns.inside(netns.b, () -> Attacher.of(oldKernel).tc(o.programs().get("tcx_count"), ifindex,
                    true));
            try (link) {
                assertTrue(link instanceof TcAttachment, link.toString());
                String filters = Fixtures.run("ip", "netns", "exec", netns.b, "tc", "filter", "show", "dev", "v1",
                        "ingress");
                assertTrue(filters.contains("tcx_count") && filters.contains("direct-action"), filters);
                netns.sendFromAToB(3);
            }
            assertEquals(3, Fixtures.slot(o.map("counts").orElseThrow(), 1));
            String qdiscs = Fixtures.run("ip", "netns", "exec", netns.b, "tc", "qdisc", "show", "dev", "v1");
            assertFalse(qdiscs.contains("clsact"), "the qdisc was removed: " + qdiscs);
        }
    }

    @Test
    void classicTcFilterOnClsactCountsUdpAndIsRemovedWithItsQdisc() {
        try (KernelObject o = Fixtures.load("net.bpf.o", "tcx_count")) {
            KernelMap counts = o.map("counts").orElseThrow();
            int ifindex = ifindexInB();
            Link link = Netns.inside(netns.b, () -> Attacher.of(Kernel.system()).tcClassic(
                    o.programs().get("tcx_count"), ifindex, true, 1));
            try (link) {
                assertTrue(((TcAttachment) link).createdQdisc());
                String filters = Fixtures.run("ip", "netns", "exec", netns.b, "tc", "filter", "show", "dev", "v1",
                        "ingress");
                assertTrue(filters.contains("tcx_count") && filters.contains("direct-action"), filters);
                netns.sendFromAToB(3);
            }
            assertEquals(3, Fixtures.slot(counts, 1));
            String qdiscs = Fixtures.run("ip", "netns", "exec", netns.b, "tc", "qdisc", "show", "dev", "v1");
            assertFalse(qdiscs.contains("clsact"), "the qdisc was removed: " + qdiscs);
        }
    }

    @Test
    void socketFilterDropsWhatItRefusesUntilDetached() {
        int[] pair = Posix.socketpair(Posix.AF_UNIX, Posix.SOCK_DGRAM | Posix.SOCK_CLOEXEC, 0);
        try (KernelObject o = Fixtures.load("net.bpf.o", "socket_keep_a")) {
            try (Link link = Attacher.of(Kernel.system()).socketFilter(o.programs().get("socket_keep_a"), pair[1])) {
                Posix.send(pair[0], "Apple".getBytes(StandardCharsets.UTF_8), 0);
                Posix.send(pair[0], "Banana".getBytes(StandardCharsets.UTF_8), 0);
                assertArrayEquals("Apple".getBytes(StandardCharsets.UTF_8), Posix.recv(pair[1], 64, Posix.MSG_DONTWAIT));
                assertNull(Posix.recv(pair[1], 64, Posix.MSG_DONTWAIT), "the filter dropped 'Banana'");
            }
            assertEquals(2, Fixtures.slot(o.map("counts").orElseThrow(), 2));
            Posix.send(pair[0], "Banana".getBytes(StandardCharsets.UTF_8), 0);
            assertArrayEquals("Banana".getBytes(StandardCharsets.UTF_8), Posix.recv(pair[1], 64, Posix.MSG_DONTWAIT),
                    "detached: nothing is filtered");
        } finally {
            Kernel.system().bpf().close(pair[0]);
            Kernel.system().bpf().close(pair[1]);
        }
    }

    @Test
    void cgroupProgramsSeeTheSocketsAndPacketsOfAProcessInTheCgroup() throws Exception {
        Fixtures.requireNativeTarget();
        Path root = Files.isDirectory(Path.of("/sys/fs/cgroup/unified")) ? Path.of("/sys/fs/cgroup/unified")
                : Path.of("/sys/fs/cgroup");
        Path cg = root.resolve("bpf4j-test-" + ProcessHandle.current().pid());
        Files.createDirectory(cg);
        try (KernelObject o = Fixtures.load("net.bpf.o", "cg_egress", "cg_ingress", "cg_sock_create", "cg_connect4",
                "cg_connect6")) {
            Attacher a = Attacher.of(Kernel.system());
            var p = o.programs();
            try (Link egress = a.cgroup(p.get("cg_egress"), cg, org.bpf4j.spec.AttachType.CGROUP_INET_EGRESS);
                    Link ingress = a.cgroup(p.get("cg_ingress"), cg, org.bpf4j.spec.AttachType.CGROUP_INET_INGRESS);
                    Link create = a.cgroup(p.get("cg_sock_create"), cg,
                            org.bpf4j.spec.AttachType.CGROUP_INET_SOCK_CREATE);
                    Link c4 = a.cgroup(p.get("cg_connect4"), cg, org.bpf4j.spec.AttachType.CGROUP_INET4_CONNECT);
                    Link c6 = a.cgroup(p.get("cg_connect6"), cg, org.bpf4j.spec.AttachType.CGROUP_INET6_CONNECT)) {
                for (String addr : new String[] {"127.0.0.1", "::1"}) {
                    String out = Fixtures.run("sh", "-c", "echo $$ > " + cg.resolve("cgroup.procs") + " && exec ip netns exec "
                            + netns.a + " " + Fixtures.TARGET + " self " + addr + " 3");
                    assertEquals("sent 3 received 3", out.trim());
                }
            }
            KernelMap counts = o.map("counts").orElseThrow();
            assertEquals(6, Fixtures.slot(counts, 3), "cgroup_skb egress");
            assertEquals(6, Fixtures.slot(counts, 4), "cgroup_skb ingress");
            assertEquals(2, Fixtures.slot(counts, 5), "sock_create");
            assertEquals(1, Fixtures.slot(counts, 6), "connect4");
            assertEquals(1, Fixtures.slot(counts, 7), "connect6");
        } finally {
            Files.delete(cg);
        }
    }
}
