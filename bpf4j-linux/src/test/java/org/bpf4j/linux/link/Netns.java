package org.bpf4j.linux.link;

import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.sys.Posix;

/**
 * Two network namespaces joined by a veth pair, made with {@code ip} for one test class and
 * removed (with the pair) on close: {@code A} holds {@code v0} (10.201.0.1/24), {@code B} holds
 * {@code v1} (10.201.0.2/24); both have loopback up. Names carry the JVM's pid so that parallel
 * runs do not collide.
 */
final class Netns implements AutoCloseable {
    final String a;
    final String b;
    static final String ADDR_B = "10.201.0.2";

    private Netns(String a, String b) {
        this.a = a;
        this.b = b;
    }

    static Netns create() {
        long pid = ProcessHandle.current().pid();
        Netns n = new Netns("bpf4j-a-" + pid, "bpf4j-b-" + pid);
        try {
            Fixtures.run("ip", "netns", "add", n.a);
            Fixtures.run("ip", "netns", "add", n.b);
            Fixtures.run("ip", "link", "add", "v0", "netns", n.a, "type", "veth", "peer", "name", "v1", "netns", n.b);
            Fixtures.run("ip", "-n", n.a, "addr", "add", "10.201.0.1/24", "dev", "v0");
            Fixtures.run("ip", "-n", n.b, "addr", "add", ADDR_B + "/24", "dev", "v1");
            for (String[] ns : new String[][] {{n.a, "v0"}, {n.b, "v1"}}) {
                Fixtures.run("ip", "-n", ns[0], "link", "set", ns[1], "up");
                Fixtures.run("ip", "-n", ns[0], "link", "set", "lo", "up");
            }
        } catch (RuntimeException | AssertionError e) {
            n.close();
            throw e;
        }
        return n;
    }

    /** Runs {@code work} on a fresh thread that has entered namespace {@code ns}. */
    static <T> T inside(String ns, Supplier<T> work) {
        AtomicReference<T> result = new AtomicReference<>();
        AtomicReference<Throwable> error = new AtomicReference<>();
        Thread t = new Thread(() -> {
            try {
                int fd = Posix.open("/run/netns/" + ns, Posix.O_RDONLY | Posix.O_CLOEXEC);
                try {
                    Posix.setns(fd, Posix.CLONE_NEWNET);
                } finally {
                    Kernel.system().bpf().close(fd);
                }
                result.set(work.get());
            } catch (Throwable e) {
                error.set(e);
            }
        }, "netns " + ns);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
        if (error.get() instanceof RuntimeException r) {
            throw r;
        }
        if (error.get() instanceof Error e) {
            throw e;
        }
        return result.get();
    }

    /** Sends {@code n} UDP datagrams from A to B's port 7777 (over the veth pair). */
    void sendFromAToB(int n) {
        Fixtures.requireNativeTarget();
        String out = Fixtures.run("ip", "netns", "exec", a, Fixtures.TARGET.toString(), "udp", ADDR_B, "7777",
                Integer.toString(n));
        if (!out.trim().equals("sent " + n)) {
            throw new AssertionError("target udp: " + out);
        }
    }

    @Override
    public void close() {
        for (String ns : new String[] {a, b}) {
            try {
                new ProcessBuilder("ip", "netns", "del", ns).redirectErrorStream(true).start().waitFor();
            } catch (java.io.IOException e) {
                throw new AssertionError("cannot remove network namespace " + ns, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
