package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Current bpftrace's environment variables and exit statuses as {@code bpf4j trace} follows them:
 * {@code BPFTRACE_BTF}, {@code BPFTRACE_MAX_PROBES}, {@code BPFTRACE_MAX_BPF_PROGS} (each run in a
 * process of its own with the variable set), the status of errors in the script and on the
 * command line (1). The status of load and attach failures (255) is checked where they happen
 * ({@code TraceAttachFailureTest}, {@code WatchpointTest}); config blocks in the goldens
 * ({@code trace-max-probes*}) and in bpf4j-trace's {@code trace/errors}, {@code trace/probes}.
 */
class TraceSettingsTest {
    /** The BTF of testprogs/lb.o ({@code struct backend} of 12 bytes), as raw BTF. */
    private static final Path LB_BTF = Path.of("../bpf4j-trace/src/test/resources/trace/btf/lb.btf");

    @Test
    void bpftraceBtfNamesTheFileOfTheKernelsTypes() throws Exception {
        Assumptions.assumeTrue(org.bpf4j.linux.Kernel.probe().available(), "skipped: no kernel backend");
        String[] r = run(Map.of("BPFTRACE_BTF", LB_BTF.toString()), "-e",
                "BEGIN { printf(\"%d %d\\n\", sizeof(struct backend), offsetof(struct vip_key, proto)); exit(); }");
        assertEquals("12 6\n\n\n", r[0], r[1]);
        assertEquals("Attached 1 probe\n", r[1]);
        // the running kernel's types are not read then
        r = run(Map.of("BPFTRACE_BTF", LB_BTF.toString()), "-e", "BEGIN { print(sizeof(struct task_struct)); }");
        assertTrue(r[1].startsWith("stdin:1:15-41: ERROR: Unknown struct/union: 'struct task_struct'"), r[1]);
        assertEquals("1", r[2]);
    }

    @Test
    void aBpftraceBtfThatIsNoBtfWarnsAndLeavesNoKernelTypes() throws Exception {
        Assumptions.assumeTrue(org.bpf4j.linux.Kernel.probe().available(), "skipped: no kernel backend");
        // current bpftrace's warning (once), then a script without kernel types runs
        String[] r = run(Map.of("BPFTRACE_BTF", "/dev/null"), "-e", "BEGIN { printf(\"ok\\n\"); exit(); }");
        assertEquals("ok\n\n\n", r[0], r[1]);
        assertEquals("WARNING: BTF: failed to parse BTF from /dev/null\nAttached 1 probe\n", r[1]);
        assertEquals("0", r[2]);
    }

    @Test
    void infoSaysWhetherTheBtfOfBpftraceBtfReads() throws Exception {
        // --info's "btf" is current bpftrace's has_btf_data(): the file BPFTRACE_BTF names, when set
        assertTrue(run(Map.of("BPFTRACE_BTF", "/dev/null"), "--info")[0]
                .matches("(?s).*Instruction limit: 1000000 +btf: no .*"));
        assertTrue(run(Map.of("BPFTRACE_BTF", LB_BTF.toString()), "--info")[0]
                .matches("(?s).*Instruction limit: 1000000 +btf: yes .*"));
    }

    @Test
    void bpftraceMaxProbesFromTheEnvironmentBeatsTheConfigBlock() throws Exception {
        String[] r = run(Map.of("BPFTRACE_MAX_PROBES", "1"), "--backend", "vm", "-e",
                "config = { max_probes = 5 } BEGIN { exit(); } END { }");
        assertEquals("", r[0]);
        assertTrue(r[1].startsWith("ERROR: Can't attach to 2 probes because it exceeds the current limit of 1 probes.\n"),
                r[1]);
        assertEquals("1", r[2]);
        // a bad value: current bpftrace's failed config pass, its message alone (no ERROR:, the short
        // key; the first variable in its key order), status 2, whatever else is wrong in the script
        r = run(Map.of("BPFTRACE_MAX_PROBES", "lots", "BPFTRACE_PERF_RB_PAGES", "x"), "--backend", "vm", "-e",
                "config = { stack_mode = nosuch } BEGIN { exit(); }");
        assertEquals("max_probes: expecting a number, got lots\n", r[1]);
        assertEquals("2", r[2]);
        r = run(Map.of("BPFTRACE_CACHE_USER_SYMBOLS", "sometimes"), "--backend", "vm", "-e", "BEGIN { exit(); }");
        assertEquals("cache_user_symbols: Invalid value for cache_user_symbols: valid values are PER_PID, "
                + "PER_PROGRAM, and NONE.\n", r[1]);
        // a syntax error comes first (bpftrace's parser runs before its config pass)
        r = run(Map.of("BPFTRACE_MAX_PROBES", "lots"), "--backend", "vm", "-e", "BEGIN {");
        assertTrue(r[1].startsWith("stdin:1:"), r[1]);
        assertEquals("1", r[2]);
    }

    @Test
    void badEnvironmentValuesAreCurrentBpftracesConfigErrors() throws Exception {
        // each variable's reader as current bpftrace's config.cpp words it: "KEY: DETAIL" with the
        // short key (the license's message names none), status 2
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("BPFTRACE_MAX_STRLEN=-1", "max_strlen: expecting a number, got -1");
        cases.put("BPFTRACE_LOG_SIZE=big", "log_size: expecting a number, got big");
        cases.put("BPFTRACE_PRINT_MAPS_ON_EXIT=maybe", "print_maps_on_exit: Invalid bool value: valid values are "
                + "true, false, 1 or 0.");
        cases.put("BPFTRACE_CPP_DEMANGLE=2", "cpp_demangle: Invalid bool value: valid values are true, false, 1 or 0.");
        cases.put("BPFTRACE_STACK_MODE=Perf", "stack_mode: Invalid value for stack_mode: valid values are bpftrace, "
                + "raw, perf, and build_id.");
        cases.put("BPFTRACE_MISSING_PROBES=never", "missing_probes: Invalid value for missing_probes: valid values are "
                + "ignore, warn, and error.");
        cases.put("BPFTRACE_LICENSE=MIT", "Invalid value for license. Found: MIT. Valid values: Dual MIT/GPL, "
                + "Dual BSD/GPL, Dual MPL/GPL, GPL and additional rights, GPL v2, GPL. Read more about BPF programs and "
                + "licensing: https://docs.kernel.org/bpf/bpf_licensing.html#using-bpf-programs-in-the-linux-kernel");
        cases.put("BPFTRACE_UNSTABLE_TSERIES=2", "unstable_tseries: Invalid value for unstable config: valid values "
                + "are enable, warn, and error.");
        for (Map.Entry<String, String> c : cases.entrySet()) {
            String[] kv = c.getKey().split("=", 2);
            String[] r = run(Map.of(kv[0], kv[1]), "--backend", "vm", "-e", "BEGIN { exit(); }");
            assertEquals(c.getValue() + "\n", r[1], c.getKey());
            assertEquals("2", r[2], c.getKey());
        }
        // the values current bpftrace takes that bpf4j refused: on/off and any case for booleans,
        // any case for missing_probes, its integer forms
        String[] ok = run(Map.of("BPFTRACE_PRINT_MAPS_ON_EXIT", "Off", "BPFTRACE_MISSING_PROBES", "WARN",
                "BPFTRACE_MAX_MAP_KEYS", "1_000"), "--backend", "vm", "-e", "BEGIN { @a = 1; exit(); }");
        assertEquals("Attached 1 probe\n", ok[1]);
        assertEquals("0", ok[2]);
        // an import statement in a block does not hide a bad BPFTRACE_UNSTABLE_IMPORT_STATEMENT: current
        // bpftrace's config pass fails first
        String[] imp = run(Map.of("BPFTRACE_UNSTABLE_IMPORT_STATEMENT", "maybe"), "--backend", "vm", "-e",
                "BEGIN { import \"stdlib/test\"; exit(); }");
        assertEquals("unstable_import_statement: Invalid value for unstable config: valid values are enable, warn, "
                + "and error.\n", imp[1]);
        assertEquals("2", imp[2]);
    }

    @Test
    void bpftraceMaxBpfProgsLimitsWildcardExpansions() throws Exception {
        Assumptions.assumeTrue(org.bpf4j.linux.Kernel.probe().available(), "skipped: no kernel backend");
        // sched_process_exec, sched_process_exit, sched_process_fork, ...: more than one
        String[] r = run(Map.of("BPFTRACE_MAX_BPF_PROGS", "1"), "-e", "tracepoint:sched:sched_process_* { }");
        assertTrue(r[1].matches("(?s)stdin:1:1-33: ERROR: Your program is trying to generate more than [0-9]+ BPF "
                + "programs, which exceeds the current limit of 1\n.*HINT: You can increase the limit through the "
                + "BPFTRACE_MAX_BPF_PROGS environment variable.\n"), r[1]);
        assertEquals("1", r[2]);
    }

    @Test
    void errorsInTheScriptAndOnTheCommandLineExitWithOne() {
        // current bpftrace: its diagnostics and its USAGE errors return 1 (bpf4j gave 2)
        assertEquals(Main.EXIT_FAILED, Cli.run("trace", "--backend", "vm", "-e", "BEGIN { @x = nosuch(); }").status());
        assertEquals(Main.EXIT_FAILED, Cli.run("trace", "--backend", "vm", "-e", "BEGIN {").status());
        Cli usage = Cli.run("trace", "-B", "sometimes", "-e", "BEGIN { exit(); }");
        assertEquals("ERROR: USAGE: -B must be either 'line', 'full', or 'none'.\n", usage.err());
        assertEquals(Main.EXIT_FAILED, usage.status());
        // -l with a script that does not parse
        assertEquals(Main.EXIT_FAILED, Cli.run("trace", "-l", "-e", "BEGIN {").status());
    }

    /**
     * Runs {@code bpf4j trace ARGS} in a process of its own with {@code env} added; returns stdout, stderr,
     * status, and stdout again with its bytes one character each (ISO-8859-1).
     */
    static String[] run(Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "trace"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> out = drain(p.getInputStream());
        CompletableFuture<byte[]> err = drain(p.getErrorStream());
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("bpf4j trace did not end in 60 s");
        }
        return new String[] {new String(out.get(), StandardCharsets.UTF_8), new String(err.get(), StandardCharsets.UTF_8),
                Integer.toString(p.exitValue()), new String(out.get(), StandardCharsets.ISO_8859_1)};
    }

    /** All of a child's stream, read on a thread of its own (a full pipe would stop the child). */
    private static CompletableFuture<byte[]> drain(InputStream in) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
