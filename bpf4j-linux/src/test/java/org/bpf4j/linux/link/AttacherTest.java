package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.bpf4j.Bpf4jException;
import org.bpf4j.UnsupportedFeatureException;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.probe.UprobeTarget;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Fd;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/** What {@link Attacher} asks of the bpf() layer, over a recording fake: no kernel needed. */
class AttacherTest {
    /** Records link_create and uprobe_multi calls; descriptors from 100 on; refuses on demand. */
    static final class Recorder {
        final List<Object[]> calls = new ArrayList<>();
        final Set<Integer> open = new HashSet<>();
        int next = 100;
        int refuse;
        final Bpf bpf = (Bpf) Proxy.newProxyInstance(Bpf.class.getClassLoader(), new Class<?>[] {Bpf.class},
                (proxy, m, args) -> switch (m.getName()) {
                    case "linkCreate", "linkCreateUprobeMulti", "mapCreate" -> {
                        calls.add(new Object[] {m.getName(), args[0]});
                        if (m.getName().equals("linkCreateUprobeMulti")) {
                            calls.set(calls.size() - 1, args);
                        }
                        if (refuse != 0 && !m.getName().equals("mapCreate")) {
                            throw new KernelException(Bpf.Command.LINK_CREATE.callName(), refuse, "attaching a program");
                        }
                        open.add(next);
                        yield next++;
                    }
                    case "mapUpdate" -> {
                        calls.add(new Object[] {"mapUpdate", args[1], args[2]});
                        yield null;
                    }
                    case "close" -> {
                        assertTrue(open.remove((Integer) args[0]), "fd " + args[0] + " closed twice or never opened");
                        yield null;
                    }
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "recorder";
                    default -> throw new UnsupportedOperationException(m.getName());
                });

        KernelProgram program(String name, ProgramType type) {
            open.add(next);
            return new KernelProgram(bpf, new Fd(next++, bpf, "program"), name, type);
        }
    }

    @Test
    void xdpAndTcxPassTheInterfaceTheAttachTypeAndTheFlags() {
        Recorder r = new Recorder();
        Attacher a = Attacher.of(new Kernel(r.bpf, 2, Optional::empty));
        try (KernelProgram p = r.program("p", ProgramType.XDP)) {
            try (Link x = a.xdp(p, 7, Attacher.XdpMode.GENERIC);
                    Link t = a.tcx(p, 7, false)) {
                assertEquals("p -> xdp ifindex 7 (GENERIC)", x.description());
                assertEquals("p -> tcx_egress ifindex 7", t.description());
            }
            assertEquals(new Bpf.LinkCreate(p.fd(), 7, AttachType.XDP.id(), 2, 0), r.calls.get(0)[1]);
            assertEquals(new Bpf.LinkCreate(p.fd(), 7, AttachType.TCX_EGRESS.id(), 0, 0), r.calls.get(1)[1]);
        }
        assertEquals(Set.of(), r.open, "every descriptor closed");
    }

    @Test
    void theKernelsRefusalNamesTheProgramAndTheHook() {
        Recorder r = new Recorder();
        r.refuse = Errno.EINVAL;
        try (KernelProgram p = r.program("on_pkt", ProgramType.XDP)) {
            KernelException e = assertThrows(KernelException.class,
                    () -> Attacher.of(new Kernel(r.bpf, 2, Optional::empty)).tcx(p, 3, true));
            assertEquals("attaching on_pkt -> tcx_ingress ifindex 3: bpf(BPF_LINK_CREATE) failed: EINVAL "
                    + "(Invalid argument)", e.getMessage());
            assertEquals(Errno.EINVAL, e.errno());
        }
        assertEquals(Set.of(), r.open);
    }

    @Test
    void tracingRefusesAnAttachTypeThatIsNotBtfTracing() {
        Recorder r = new Recorder();
        try (KernelProgram p = r.program("p", ProgramType.TRACING)) {
            UnsupportedFeatureException e = assertThrows(UnsupportedFeatureException.class,
                    () -> Attacher.of(new Kernel(r.bpf, 2, Optional::empty)).tracing(p, AttachType.XDP));
            assertTrue(e.getMessage().startsWith("attach type xdp is not a BTF tracing attach type"), e.getMessage());
        }
    }

    @Test
    void uprobeMultiPassesOffsetsCookiesAndSemaphores() {
        Recorder r = new Recorder();
        java.nio.file.Path bin = Fixtures.TARGET;
        List<UprobeTarget> targets = List.of(new UprobeTarget(bin, 0x1000, 0, "a"),
                new UprobeTarget(bin, 0x1010, 0x3098, "b"));
        try (KernelProgram p = r.program("m", ProgramType.KPROBE);
                Link l = Attacher.of(new Kernel(r.bpf, 2, Optional::empty)).uprobeMulti(p, targets,
                        new long[] {5, 6}, true, 0)) {
            Object[] call = r.calls.get(0);
            assertEquals(bin.toString(), call[1]);
            assertArrayEquals(new long[] {0x1000, 0x1010}, (long[]) call[2]);
            assertArrayEquals(new long[] {0, 0x3098}, (long[]) call[3]);
            assertArrayEquals(new long[] {5, 6}, (long[]) call[4]);
            assertEquals(1, call[5], "BPF_F_UPROBE_MULTI_RETURN");
            assertTrue(l.description().startsWith("m -> uretprobe.multi "), l.description());
        }
        Bpf4jException e = assertThrows(Bpf4jException.class, () -> Attacher.of(new Kernel(r.bpf, 2,
                Optional::empty)).uprobeMulti(null, List.of(new UprobeTarget(bin, 1, 0, "a"),
                        new UprobeTarget(java.nio.file.Path.of("/bin/sh"), 1, 0, "b")), null, false, 0));
        assertTrue(e.getMessage().startsWith("uprobe_multi targets must be in one file"), e.getMessage());
        assertEquals(Set.of(), r.open);
    }

    @Test
    void usdtRefusesAMapThatIsNotASpecMap() {
        Recorder r = new Recorder();
        Kernel k = new Kernel(r.bpf, 2, Optional::empty);
        try (KernelProgram p = r.program("u", ProgramType.KPROBE);
                KernelMap wrong = k.createMap("counts", MapType.ARRAY, 4, 8, 4, 0)) {
            Bpf4jException e = assertThrows(Bpf4jException.class, () -> Attacher.of(k).usdt(p,
                    Fixtures.TARGET.toString(), "bpf4j", "tick", -1, wrong));
            assertTrue(e.getMessage().startsWith("map 'counts' is not a USDT spec map"), e.getMessage());
        }
        assertEquals(Set.of(), r.open);
    }
}
