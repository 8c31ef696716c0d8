package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bpf4j prog run id N|pinned PATH data_in FILE [data_out FILE] [ctx_in FILE] [ctx_out FILE]
 * [repeat N] [--json]}: runs a program already loaded in the kernel once (or {@code repeat} times)
 * with {@code BPF_PROG_TEST_RUN}, as {@code bpftool prog run} does. {@code -} as a file name reads
 * standard input or writes standard output. Prints the return value and the mean duration.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs a loaded program with BPF_PROG_TEST_RUN (as 'bpftool prog run').",
            "data_in FILE is the input packet; data_out/ctx_out FILE receive the packet and context after "
                    + "the run; ctx_in FILE is the starting context; repeat N runs N times and prints the mean "
                    + "duration. '-' is standard input or output."})
final class ProgRunCommand implements Callable<Integer> {
    /** Room for the packet after the run beyond its input size (XDP and tc may grow it). */
    private static final int DATA_OUT_SLACK = 4096;
    private static final int CTX_OUT_SIZE = 4096;

    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "id N|pinned PATH data_in FILE [data_out FILE] [ctx_in FILE] [ctx_out FILE] [repeat N]",
            arity = "1..*")
    private List<String> words;

    @Option(names = "--json", description = "print {\"retval\": N, \"duration\": NS}")
    private boolean json;

    @Override
    public Integer call() {
        Words w = new Words("prog run", words);
        String[] ref = w.object("pinned");
        Path dataIn = null;
        Path dataOut = null;
        Path ctxIn = null;
        Path ctxOut = null;
        int repeat = 1;
        while (!w.atEnd()) {
            String key = w.next("an argument");
            switch (key) {
                case "data_in" -> dataIn = Path.of(w.next("a file after 'data_in'"));
                case "data_out" -> dataOut = Path.of(w.next("a file after 'data_out'"));
                case "ctx_in" -> ctxIn = Path.of(w.next("a file after 'ctx_in'"));
                case "ctx_out" -> ctxOut = Path.of(w.next("a file after 'ctx_out'"));
                case "repeat" -> repeat = w.parseId(w.next("a count after 'repeat'"));
                default -> throw w.fail("expected data_in, data_out, ctx_in, ctx_out or repeat, got '" + key + "'");
            }
        }
        if (dataIn == null && ctxIn == null) {
            throw w.fail("'data_in FILE' or 'ctx_in FILE' is required");
        }
        byte[] data = dataIn == null ? null : read(dataIn);
        byte[] ctx = ctxIn == null ? null : read(ctxIn);
        Kernel kernel = KernelAccess.kernel();
        int runs = repeat;
        KernelProgram.TestRunResult r = KernelCalls.call("prog run", () -> {
            try (KernelProgram p = ref[0].equals("id") ? kernel.openProgram(w.parseId(ref[1]))
                    : kernel.openPinnedProgram(ref[1])) {
                return p.testRun(new KernelProgram.TestRun(data, data == null ? 0 : data.length + DATA_OUT_SLACK, ctx,
                        ctx == null ? 0 : CTX_OUT_SIZE, runs, 0));
            }
        });
        PrintWriter out = spec.commandLine().getOut();
        if (dataOut != null) {
            write(dataOut, r.dataOut(), out);
        }
        if (ctxOut != null) {
            write(ctxOut, r.ctxOut(), out);
        }
        long retval = r.retval() & 0xffff_ffffL;
        if (json) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("retval", retval);
            m.put("duration", r.durationNanos());
            out.print(Json.write(m));
        } else {
            out.printf("Return value: %d, duration%s: %dns%n", retval, runs > 1 ? " (average)" : "", r.durationNanos());
        }
        out.flush();
        return Main.EXIT_OK;
    }

    private byte[] read(Path file) {
        try {
            return file.toString().equals("-") ? System.in.readAllBytes() : Files.readAllBytes(file);
        } catch (IOException e) {
            throw CommandFailure.io(file, "read", e);
        }
    }

    private static void write(Path file, byte[] bytes, PrintWriter out) {
        byte[] b = bytes == null ? new byte[0] : bytes;
        if (file.toString().equals("-")) {
            out.flush();
            System.out.write(b, 0, b.length);
            System.out.flush();
            return;
        }
        try {
            Files.write(file, b);
        } catch (IOException e) {
            throw CommandFailure.io(file, "write", e);
        }
    }
}
