package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * {@code bpf4j run FILE.o} on every engine of the VM gives the same output: verified (the
 * default: the JIT with the verifier's facts), verified on the interpreter, and unverified on
 * both. The inputs and the return values are the kernel's, from the one-packet cases of
 * {@code testprogs/expected/} without host map updates; the README's command is checked too.
 */
class ObjectRunEnginesTest {
    private static final Path TESTPROGS = Path.of("../testprogs");
    /** The first cases of each object only: four runs each through the whole command take a while. */
    private static final int CASES_PER_OBJECT = 5;
    private static final List<String> OBJECTS = List.of("alu", "calls", "xdp_parse", "tailcall", "xdp_firewall");

    /** One run of a case: the object (relative to testprogs/), its program, the packet, the kernel's return value. */
    private record Case(String object, String name, String program, String dataIn, String retval) {}

    @TestFactory
    Stream<DynamicTest> everyEngineGivesTheSameOutput() throws IOException {
        assumeTrue(Files.isDirectory(TESTPROGS.resolve("expected")), "SKIPPED: testprogs/expected is absent");
        List<DynamicTest> tests = new ArrayList<>();
        for (String o : OBJECTS) {
            List<Case> all = cases(o);
            for (Case c : all.subList(0, Math.min(all.size(), CASES_PER_OBJECT))) {
                tests.add(DynamicTest.dynamicTest(o + " " + c.name(), () -> {
                    String obj = TESTPROGS.resolve(c.object()).normalize().toString();
                    String verified = withoutMapIds(Cli.run("run", obj, "--prog", c.program(), "--data",
                            c.dataIn()).ok());
                    assertTrue(verified.startsWith("retval = " + c.retval() + "\n"), verified);
                    assertEquals(verified, withoutMapIds(Cli.run("run", obj, "--prog", c.program(), "--data",
                            c.dataIn(), "--engine", "interp").ok()), "verified, on the interpreter");
                    assertEquals(verified, withoutMapIds(Cli.run("run", obj, "--prog", c.program(), "--data",
                            c.dataIn(), "--engine", "jit", "--no-verify").ok()), "unverified, on the JIT");
                    assertEquals(verified, withoutMapIds(Cli.run("run", obj, "--prog", c.program(), "--data",
                            c.dataIn(), "--no-verify").ok()), "unverified, on the interpreter");
                }));
            }
        }
        assertTrue(tests.size() >= 10, tests.size() + " cases");
        return tests.stream();
    }

    /** The README's first command: the kernel's verdicts (testprogs/expected/xdp_firewall.txt) on every engine. */
    @Test
    void readmeCommandOnEveryEngine() {
        Path firewall = Path.of("../examples/xdp_firewall.o");
        Path traffic = Path.of("../examples/traffic.pcap");
        assumeTrue(Files.exists(firewall) && Files.exists(traffic), "SKIPPED: the XDP firewall example is absent");
        String verified = Cli.run("run", firewall.toString(), "--pcap", traffic.toString()).ok();
        assertTrue(verified.startsWith("packets = 24\nXDP_PASS = 14\nXDP_DROP = 10\n"), verified);
        for (String[] more : List.of(new String[] {"--engine", "interp"}, new String[] {"--engine", "jit"},
                new String[] {"--no-verify"}, new String[] {"--no-verify", "--engine", "jit"})) {
            List<String> args = new ArrayList<>(List.of("run", firewall.toString(), "--pcap", traffic.toString()));
            args.addAll(List.of(more));
            assertEquals(verified, Cli.run(args.toArray(String[]::new)).ok(), String.join(" ", more));
        }
    }

    /**
     * The output with the values of maps of maps (inner map ids, which count the maps created in
     * this JVM, so that each run has other ones) replaced by "ID".
     */
    private static String withoutMapIds(String output) {
        StringBuilder b = new StringBuilder();
        boolean ofMaps = false;
        for (String line : output.split("\n", -1)) {
            if (line.startsWith("map ")) {
                ofMaps = line.contains("_of_maps,");
            } else if (ofMaps) {
                line = line.replaceAll("value [0-9a-f]+", "value ID");
            }
            b.append(line).append('\n');
        }
        return b.toString();
    }

    /** The cases of an expected file with one packet, no context and no host map updates. */
    private static List<Case> cases(String object) throws IOException {
        List<Case> out = new ArrayList<>();
        String file = object + ".o";
        String name = null;
        String program = null;
        List<String> data = new ArrayList<>();
        String retval = null;
        boolean plain = true;
        List<String> lines = new ArrayList<>(Files.readAllLines(TESTPROGS.resolve("expected/" + object + ".txt")));
        lines.add("case end");
        for (String line : lines) {
            String[] w = line.split(" ");
            switch (w[0]) {
                case "case" -> {
                    if (name != null && plain && data.size() == 1 && retval != null) {
                        out.add(new Case(file, name, program, data.getFirst(), retval));
                    }
                    name = w[1];
                    program = null;
                    data.clear();
                    retval = null;
                    plain = true;
                }
                case "object" -> file = w[1];
                case "program" -> program = w[1];
                case "data_in" -> data.add(w[1]);
                case "retval" -> retval = retval == null ? w[1] : retval;
                case "update", "ctx_in", "pcap" -> plain = false;
                default -> { }
            }
        }
        return out;
    }
}
