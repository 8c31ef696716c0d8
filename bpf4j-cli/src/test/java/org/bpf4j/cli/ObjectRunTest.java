package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import org.bpf4j.vm.run.Pcap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bpf4j run FILE.o}: the outputs a golden file cannot hold (written files, timings). */
class ObjectRunTest {
    private static final String PACKET = "02000000000202000000000108004500002100010000401166c90a0000010a0000029c400035000dff737175657279";
    private static final Path ADJUST = Path.of("../testprogs/xdp_adjust.o");
    private static final Path FIREWALL = Path.of("../examples/xdp_firewall.o");
    private static final Path TRAFFIC = Path.of("../examples/traffic.pcap");

    @Test
    void dataOutIsWrittenAndDurationPrinted(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.exists(ADJUST), ADJUST + " is not in this checkout");
        Path out = tmp.resolve("out.bin");
        String stdout = Cli.run("run", ADJUST.toString(), "--prog", "xdp_meta", "--data", PACKET, "--data-out",
                out.toString(), "--repeat", "5").ok();
        assertTrue(stdout.startsWith("retval = 2\nduration = "), stdout);
        assertTrue(stdout.matches("(?s).*duration = \\d+ ns \\(mean of 5 runs\\)\n.*"), stdout);
        assertTrue(stdout.contains("data_out = " + Files.size(out) + " bytes written to " + out), stdout);
        String json = Cli.run("run", ADJUST.toString(), "--prog", "xdp_meta", "--data", PACKET, "--repeat", "5",
                "--json").ok();
        assertTrue(json.contains("\"data_out\": \"" + HexFormat.of().formatHex(Files.readAllBytes(out)) + "\""), json);
    }

    @Test
    void pcapOutHoldsThePassedPackets(@TempDir Path tmp) throws Exception {
        assumeTrue(Files.exists(FIREWALL) && Files.exists(TRAFFIC), "the XDP firewall example is not in this checkout");
        Path out = tmp.resolve("passed.pcap");
        String stdout = Cli.run("run", FIREWALL.toString(), "--pcap", TRAFFIC.toString(), "--out", out.toString()).ok();
        List<Pcap.Packet> in = Pcap.read(Files.readAllBytes(TRAFFIC), "traffic.pcap");
        List<Pcap.Packet> passed = Pcap.read(Files.readAllBytes(out), "passed.pcap");
        assertTrue(stdout.contains("packets = " + in.size() + "\n"), stdout);
        assertTrue(stdout.contains("XDP_PASS = " + passed.size() + "\n"), stdout);
        assertTrue(stdout.contains("wrote " + passed.size() + " packets to " + out), stdout);
        assertTrue(passed.size() > 0 && passed.size() < in.size(), passed.size() + " of " + in.size());
    }

    /**
     * The README's main command: the verdict counts the Linux kernel gave for the same 24 packets
     * (recorded in testprogs/expected/xdp_firewall.txt), and the per-protocol counter map.
     */
    @Test
    void readmeCommandGivesTheKernelsVerdicts() {
        assumeTrue(Files.exists(FIREWALL) && Files.exists(TRAFFIC), "the XDP firewall example is not in this checkout");
        String stdout = Cli.run("run", FIREWALL.toString(), "--pcap", TRAFFIC.toString()).ok();
        assertTrue(stdout.startsWith("packets = 24\nXDP_PASS = 14\nXDP_DROP = 10\n"), stdout);
        assertTrue(stdout.contains("map proto_stats (percpu_array, key 4, value 8, max_entries 7):\n"), stdout);
    }

    @Test
    void objectOnlyOptionsAreRefusedForOtherFiles() {
        String err = Cli.run("run", "../examples/fib.s", "--prog", "x").error(2);
        assertEquals("error: ../examples/fib.s: --prog, --data, --data-file, --pcap, --out, --data-out, --ctx and "
                + "--json apply to object files only", err);
    }
}
