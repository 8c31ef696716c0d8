package org.bpf4j.vm;

import java.util.Objects;

/**
 * How a program is loaded into the VM. Immutable.
 *
 * @param engine the engine that runs it
 * @param helpers the helpers it may call; a call of any other helper refuses the load
 * @param instructionBudget the most instructions one run may execute before it is ended with a
 *     trap; {@link Long#MAX_VALUE} for no limit (only sensible for verified programs)
 * @param environment clocks and randomness for helpers
 */
public record VmOptions(Engine engine, HelperRegistry helpers, long instructionBudget, Environment environment) {
    /** The default budget for unverified programs: one billion instructions (about a second). */
    public static final long DEFAULT_BUDGET = 1_000_000_000L;

    public VmOptions {
        Objects.requireNonNull(engine);
        Objects.requireNonNull(helpers);
        Objects.requireNonNull(environment);
        if (instructionBudget <= 0) {
            throw new IllegalArgumentException("the instruction budget must be positive, not " + instructionBudget);
        }
    }

    /**
     * The default engine, the standard helpers, the default budget and the system environment. The
     * default engine is the interpreter, or the engine named by {@code -Dbpf4j.engine} (an
     * {@link Engine} on the class path registered with {@link java.util.ServiceLoader}, such as
     * {@code jit}), so that the same tests run on every engine.
     */
    public static VmOptions defaults() {
        return new VmOptions(DefaultEngine.ENGINE, HelperRegistry.standard(), DEFAULT_BUDGET, Environment.system());
    }

    private static final class DefaultEngine {
        static final Engine ENGINE = find(System.getProperty("bpf4j.engine", "interp"));

        private static Engine find(String name) {
            if (name.equals(Interpreter.INSTANCE.name())) {
                return Interpreter.INSTANCE;
            }
            for (Engine e : java.util.ServiceLoader.load(Engine.class)) {
                if (e.name().equals(name)) {
                    return e;
                }
            }
            throw new org.bpf4j.UnsupportedFeatureException("-Dbpf4j.engine=" + name
                    + ": no such engine on the class path");
        }
    }

    /** These options with another engine. */
    public VmOptions withEngine(Engine e) {
        return new VmOptions(e, helpers, instructionBudget, environment);
    }

    /** These options with other helpers. */
    public VmOptions withHelpers(HelperRegistry h) {
        return new VmOptions(engine, h, instructionBudget, environment);
    }

    /** These options with another instruction budget. */
    public VmOptions withInstructionBudget(long budget) {
        return new VmOptions(engine, helpers, budget, environment);
    }

    /** These options with another environment. */
    public VmOptions withEnvironment(Environment env) {
        return new VmOptions(engine, helpers, instructionBudget, env);
    }
}
