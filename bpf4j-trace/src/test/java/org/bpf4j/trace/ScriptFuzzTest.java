package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bpf4j.trace.probe.AttachPoints;
import org.bpf4j.trace.probe.ProbeSource;
import org.junit.jupiter.api.Test;

/**
 * Malformed scripts never crash the compiler. Mutants of the test scripts (tokens deleted,
 * duplicated, swapped, replaced by tokens of the language or by odd characters, the text cut
 * short) are compiled for the VM and for the kernel (against the saved tracepoint formats of
 * {@link ProbeResolutionTest.SavedProbes}). Each must end in diagnostics that render, or in a
 * compiled script whose every program bpf4j's own verifier accepts (or refuses only because a loop
 * the mutation made never ends or has no bound, as the kernel does); an exception escaping the
 * compiler is a failure that prints the mutant.
 *
 * <p>Deterministic by default (seed 1, 800 mutants); the fuzz tests' properties (see
 * {@code org.bpf4j.vm.Fuzzing} in bpf4j-vm's tests) explore further: {@code -Dbpf4j.fuzz.seed=N}
 * (or {@code random}), {@code -Dbpf4j.fuzz.count=N} (the older {@code -Dbpf4j.traceFuzz.mutants=N}
 * too) and {@code -Dbpf4j.fuzz.seconds=N} (go on past the count until N seconds have passed).
 * Seeds 1 to 4, 17,000 mutants, found nothing but the two kinds of loops above when this test
 * was written.
 */
class ScriptFuzzTest {
    private static final Pattern TOKEN = Pattern.compile(
            "\"(?:[^\"\\\\\\n]|\\\\.)*\"|[A-Za-z_$@][A-Za-z0-9_]*|0[xX][0-9a-fA-F]+|[0-9]+|->|::|[<>=!&|+\\-*/%^]=?|\\S");

    /** Tokens the mutants borrow: delimiters, keywords, builtins, edge-case numbers and strings. */
    private static final List<String> VOCABULARY = List.of("(", ")", "{", "}", "[", "]", ";", ",", ".", "->", "*", "&",
            "-", "!", "~", "?", ":", "::", "=", "+=", "++", "--", "<<", ">>", "/", "%", "==", "&&", "||", "\"", "\"\"",
            "\"%s %d %-5lu %c\"", "'", "\\", "#", "#include <linux/sched.h>", "#define X 1", "/*", "*/", "//", "\n",
            "0", "1", "-1", "0x7fffffffffffffff", "0xffffffffffffffff", "18446744073709551616", "999999999999", "1e3",
            "$x", "$1", "$#", "@", "@m", "@m[1]", "@m[1, \"a\"]", "@[comm]", "(1, \"a\")", "$t.0", "args", "args->x",
            "args.x", "arg0", "sarg9", "retval", "curtask", "pid", "comm", "nsecs", "kstack", "ustack(3)", "func",
            "probe", "elapsed", "cgroup", "BEGIN", "END", "interval:s:1", "tracepoint:syscalls:sys_enter_openat",
            "uprobe:/bin/sh:main", "kprobe:f", "if", "else", "while", "unroll", "unroll(3)", "for", "let", "return",
            "break", "continue", "macro", "config", "struct", "(uint8)", "(int64)", "(struct task_struct *)",
            "str", "str(", "printf(", "print(", "count()", "hist(", "lhist(", "sum(", "avg(", "stats(", "min(",
            "delete(", "clear(", "zero(", "len(", "has_key(", "exit()", "buf(", "ntop(", "kaddr(", "sizeof(",
            "offsetof(", "join(", "strftime(", "system(", "cat(", "signal(", "strncmp(", "strcontains(", "time(",
            "find(", "strstr(", "str_concat(", "memcmp(", "fail(", "static_assert(", "is_str(", "strcap(", "is_err(",
            "leader_tid", "has_cpid",
            "\u00e9", "\u0000", "\t");

    @Test
    void mutantsEndInDiagnosticsOrVerifiedPrograms() {
        String seedText = System.getProperty("bpf4j.fuzz.seed", "").strip();
        long seed = seedText.isEmpty() ? 1 : seedText.equals("random") ? new java.util.SplittableRandom().nextLong()
                : Long.decode(seedText);
        long count = Long.getLong("bpf4j.fuzz.count", Long.getLong("bpf4j.traceFuzz.mutants", 800));
        String seconds = System.getProperty("bpf4j.fuzz.seconds", "").strip();
        long deadline = System.nanoTime() + (seconds.isEmpty() ? 0 : Long.parseLong(seconds)) * 1_000_000_000L;
        ProbeSource probes = new ProbeResolutionTest.SavedProbes();
        TraceCompiler.Options vm = TraceCompiler.Options.vm();
        TraceCompiler.Options kernel = new TraceCompiler.Options(false, probes, AttachPoints.Target.KERNEL, true, true);
        // the seeds: each test script with the backend it compiles for (scripts that compile for
        // neither here, such as uprobes on binaries of the side-by-side runs, are left out); the
        // malformed scripts of trace/errors too, for the error paths
        List<String> seeds = new ArrayList<>();
        List<TraceCompiler.Options> targets = new ArrayList<>();
        for (String dir : List.of("run", "vm", "sidebyside", "probes", "errors", "kernel")) {
            for (Path p : Scripts.scripts(dir)) {
                String text = Scripts.read(p);
                TraceCompiler.Options target = dir.equals("errors") || compiles(text, vm) ? vm
                        : compiles(text, kernel) ? kernel : null;
                if (target != null) {
                    seeds.add(text);
                    targets.add(target);
                }
            }
        }
        assertTrue(seeds.size() > 200, "expected the test scripts, found " + seeds.size());
        Random random = new Random(seed);
        int compiled = 0;
        java.util.Map<String, String> failures = new java.util.LinkedHashMap<>();
        int mutants = 0;
        for (; mutants < count || System.nanoTime() < deadline; mutants++) {
            int chosen = random.nextInt(seeds.size());
            String mutant = mutate(seeds.get(chosen), random);
            TraceCompiler.Options options = targets.get(chosen);
            Source source = new Source("mutant.bt", mutant);
            try {
                TraceCompiler.Result r = TraceCompiler.compile(source, PARAMS, options, SETUP);
                String rendered = r.diagnostics().render(source);
                if (r.compiled().isPresent()) {
                    compiled++;
                    OwnVerifier.assertAccepted(r.compiled().get(), true);
                } else {
                    assertTrue(r.diagnostics().hasErrors(), "no script and no error");
                    assertTrue(rendered.contains("ERROR"), "errors that do not render: " + rendered);
                }
            } catch (AssertionError | RuntimeException | StackOverflowError e) {
                String where = e.getStackTrace().length > 0 ? " at " + e.getStackTrace()[0] : "";
                if (failures.putIfAbsent(e.getClass().getName() + where, "mutant " + mutants + " (seed " + seed + ", "
                        + options.target() + "): " + e + where + "\n----\n" + mutant + "\n----") == null) {
                    e.printStackTrace();
                }
            }
        }
        if (!failures.isEmpty()) {
            fail(failures.size() + " distinct failures:\n" + String.join("\n", failures.values()));
        }
        // the mutants must exercise code generation too, not only the parser's error paths
        assertTrue(compiled > mutants / 15, "only " + compiled + " of " + mutants + " mutants compiled");
        System.out.println("ScriptFuzzTest: " + mutants + " mutants (seed " + seed + "), " + compiled + " compiled");
    }

    private static final List<String> PARAMS = List.of("1", "a");
    private static final TraceCompiler.Setup SETUP = new TraceCompiler.Setup(java.util.Map.of(), List.of(), List.of());

    private static boolean compiles(String text, TraceCompiler.Options options) {
        return TraceCompiler.compile(new Source("seed.bt", text), PARAMS, options, SETUP).compiled().isPresent();
    }

    private static String mutate(String text, Random random) {
        List<int[]> tokens = new ArrayList<>();
        Matcher m = TOKEN.matcher(text);
        while (m.find()) {
            tokens.add(new int[] {m.start(), m.end()});
        }
        if (tokens.isEmpty()) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text);
        // mostly one change, so that many mutants still compile and reach code generation
        int rounds = random.nextInt(10) < 7 ? 1 : 2 + random.nextInt(2);
        for (int round = 0; round < rounds; round++) {
            int[] t = tokens.get(random.nextInt(tokens.size()));
            int start = Math.min(t[0], sb.length());
            int end = Math.min(t[1], sb.length());
            switch (random.nextInt(6)) {
                case 0 -> sb.delete(start, end);
                case 1 -> sb.insert(start, sb.substring(start, end) + " ");
                case 2 -> sb.replace(start, end, VOCABULARY.get(random.nextInt(VOCABULARY.size())));
                case 3 -> sb.insert(start, VOCABULARY.get(random.nextInt(VOCABULARY.size())));
                case 4 -> {
                    int[] u = tokens.get(random.nextInt(tokens.size()));
                    int us = Math.min(u[0], sb.length());
                    int ue = Math.min(u[1], sb.length());
                    if (ue <= start) {
                        String a = sb.substring(start, end);
                        String b = sb.substring(us, ue);
                        sb.replace(start, end, b).replace(us, ue, a);
                    }
                }
                default -> sb.setLength(start);
            }
            // the token positions are those of the original text; stop once it has shrunk past them
            if (sb.length() < text.length() / 2) {
                break;
            }
        }
        return sb.toString();
    }
}
