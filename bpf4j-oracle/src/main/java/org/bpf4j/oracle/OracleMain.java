package org.bpf4j.oracle;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Runs a campaign from the command line:
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp ... org.bpf4j.oracle.OracleMain
 *     [--seed S] [--first N] [--count N] [--reject-percent P] [--xdp-percent P] [--no-kernel] [--no-jit] [--no-minimize] [--out DIR]
 * </pre>
 *
 * Prints progress every 1,000 programs and the report at the end; exits 0 without findings, 1
 * with findings, 2 for bad arguments or when the kernel is asked for but bpf() is unavailable.
 */
public final class OracleMain {
    private OracleMain() {}

    /** The entry point. */
    public static void main(String[] args) {
        long seed = 1;
        long first = 0;
        int count = 1000;
        int reject = 0;
        int xdp = 0;
        boolean kernel = true;
        boolean jit = true;
        boolean minimize = true;
        Optional<Path> out = Optional.empty();
        try {
            for (int i = 0; i < args.length; i++) {
                switch (args[i]) {
                    case "--seed" -> seed = Long.parseLong(args[++i]);
                    case "--first" -> first = Long.parseLong(args[++i]);
                    case "--count" -> count = Integer.parseInt(args[++i]);
                    case "--reject-percent" -> reject = Integer.parseInt(args[++i]);
                    case "--xdp-percent" -> xdp = Integer.parseInt(args[++i]);
                    case "--no-kernel" -> kernel = false;
                    case "--no-jit" -> jit = false;
                    case "--no-minimize" -> minimize = false;
                    case "--out" -> out = Optional.of(Path.of(args[++i]));
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
        } catch (RuntimeException e) {
            System.err.println("oracle: " + e.getMessage() + " (usage: [--seed S] [--first N] [--count N] "
                    + "[--reject-percent P] [--xdp-percent P] [--no-kernel] [--no-jit] [--no-minimize] [--out DIR])");
            System.exit(2);
            return;
        }
        if (kernel && !KernelRunner.availability().available()) {
            System.err.println("oracle: the kernel cannot be used: " + KernelRunner.availability().reason()
                    + " (use --no-kernel for VM-only soundness runs)");
            System.exit(2);
            return;
        }
        Campaign.Report r;
        try (Campaign c = new Campaign(new Campaign.Options(seed, first, count, reject, kernel, jit, minimize, out, xdp))) {
            r = c.run(s -> System.out.println("[oracle] " + s));
        }
        System.out.println("seed " + seed + ", programs " + first + ".." + (first + count - 1));
        System.out.print(r.summary());
        System.exit(r.findings().isEmpty() ? 0 : 1);
    }
}
