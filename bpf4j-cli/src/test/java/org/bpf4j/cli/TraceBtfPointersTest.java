package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw tracepoints loaded as tp_btf (as current bpftrace), whose pointer arguments are typed for
 * the verifier: {@code socket_cookie()} and {@code skboutput()}, with traffic this test makes on
 * the loopback device. Skipped with the reason without bpf() or kernel BTF.
 */
class TraceBtfPointersTest {
    private static final byte[] PAYLOAD = "bpf4j-skboutput".getBytes(StandardCharsets.US_ASCII);

    @TempDir
    Path dir;

    private static void needsKernelBtf() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "SKIPPED: no kernel BTF");
    }

    /** Runs {@code traffic} every 20 ms on another thread while {@code trace} runs. */
    private static Cli whileRunning(Runnable traffic, String... trace) throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        Thread t = new Thread(() -> {
            while (!stop.get()) {
                traffic.run();
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        t.start();
        try {
            return Cli.run(trace);
        } finally {
            stop.set(true);
            t.join();
        }
    }

    @Test
    void socketCookieOfATcpSocket() throws Exception {
        needsKernelBtf();
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            server.setSoTimeout(200);
            Cli r = whileRunning(() -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.getLocalPort()), 200);
                    server.accept().close();
                } catch (java.io.IOException e) {
                    // the next round connects again
                }
            }, "trace", "-e", "rawtracepoint:inet_sock_set_state { @[socket_cookie(args.sk) != 0] = count(); "
                    + "if (@n++ > 3) { exit(); } } interval:s:10 { exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertTrue(r.out().contains("@[true]: ") && !r.out().contains("@[false]"), r.out());
        }
    }

    @Test
    void skboutputWritesTheCapturedPacketsToAPcapFile() throws Exception {
        needsKernelBtf();
        Path pcap = dir.resolve("out.pcap");
        int closedPort;
        try (DatagramSocket gone = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        try (DatagramSocket sender = new DatagramSocket()) {
            // datagrams to a closed port: the kernel answers with ICMP and consumes them (consume_skb);
            // IPv4 and UDP headers (28 bytes) skipped by the offset: the file holds the payloads
            DatagramPacket p = new DatagramPacket(PAYLOAD, PAYLOAD.length, InetAddress.getLoopbackAddress(), closedPort);
            Cli r = whileRunning(() -> {
                try {
                    sender.send(p);
                } catch (java.io.IOException e) {
                    // an ICMP error reported on the socket: the next round sends again
                }
            }, "trace", "-e", "rawtracepoint:consume_skb /((struct sk_buff *)arg0)->len == " + (28 + PAYLOAD.length)
                    + "/ { $s = (struct sk_buff *)arg0; @r[skboutput(\"" + pcap + "\", $s, $s->len, 28)] = count(); "
                    + "if (@n++ > 3) { exit(); } } interval:s:10 { exit(); }");
            assertEquals(Main.EXIT_OK, r.status(), r.err());
            assertTrue(r.out().contains("@r[0]: "), r.out());
            ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(pcap)).order(ByteOrder.LITTLE_ENDIAN);
            assertEquals(0xa1b2c3d4, b.getInt(0));
            assertEquals(101, b.getInt(20), "link type raw IP");
            boolean found = false;
            for (int at = 24; at + 16 <= b.limit(); ) {
                int caplen = b.getInt(at + 8);
                assertEquals(caplen, b.getInt(at + 12));
                long seconds = Integer.toUnsignedLong(b.getInt(at));
                assertTrue(Math.abs(seconds - System.currentTimeMillis() / 1000) < 600, "a wall-clock time: " + seconds);
                found |= Arrays.equals(PAYLOAD, Arrays.copyOfRange(b.array(), at + 16, at + 16 + caplen));
                at += 16 + caplen;
            }
            assertTrue(found, "the payload in " + pcap);
        }
    }

    @Test
    void theFunctionsNeedARawTracepoint() {
        Cli r = Cli.run("trace", "--backend", "vm", "-e", "BEGIN { @ = socket_cookie(0); }");
        assertEquals(Main.EXIT_FAILED, r.status());
        assertTrue(r.err().startsWith("stdin:1:13-29: ERROR: socket_cookie can not be used with \"begin\" probes\n"),
                r.err());
    }
}
