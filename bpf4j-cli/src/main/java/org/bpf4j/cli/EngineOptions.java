package org.bpf4j.cli;

import org.bpf4j.vm.VmOptions;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The options that choose how programs run: {@code --engine} and {@code --budget}. A picocli mixin. */
final class EngineOptions {
    @Spec(Spec.Target.MIXEE)
    private CommandSpec mixee;

    @Option(names = "--engine", paramLabel = "ENGINE", defaultValue = Engines.DEFAULT,
            converter = Engines.Converter.class, completionCandidates = Engines.Names.class,
            description = "the engine that runs the program: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE})")
    private Backend engine;

    private long budget = VmOptions.DEFAULT_BUDGET;

    @Option(names = "--budget", paramLabel = "N",
            description = "the most instructions one run may execute before it traps (default: "
                    + VmOptions.DEFAULT_BUDGET + ")")
    void budget(long n) {
        if (n <= 0) {
            throw new ParameterException(mixee.commandLine(), "--budget must be positive, not " + n);
        }
        budget = n;
    }

    /** The chosen engine. */
    Backend engine() {
        return engine;
    }

    /** The instruction budget of one run. */
    long budget() {
        return budget;
    }
}
