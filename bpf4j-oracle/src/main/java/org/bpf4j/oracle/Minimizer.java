package org.bpf4j.oracle;

import java.util.function.Predicate;

/**
 * Shrinks a generated program while a property holds (a difference still shows): removes one
 * non-essential chunk at a time, last first, keeping each removal after which the property still
 * holds, until no single removal keeps it. The prologue and the exit stay.
 */
public final class Minimizer {
    private Minimizer() {}

    /**
     * The smallest program found. The property is called on candidates only; an exception from it
     * counts as "does not hold".
     */
    public static GeneratedProgram minimize(GeneratedProgram program, Predicate<GeneratedProgram> holds) {
        GeneratedProgram p = program;
        boolean changed = true;
        while (changed) {
            changed = false;
            for (int i = p.chunks().size() - 1; i >= 0; i--) {
                Chunk c = p.chunks().get(i);
                if (c.essential() || c.pieces().isEmpty()) {
                    continue;
                }
                GeneratedProgram q = p.withoutChunk(i);
                boolean still;
                try {
                    still = holds.test(q);
                } catch (RuntimeException e) {
                    still = false;
                }
                if (still) {
                    p = q;
                    changed = true;
                }
            }
        }
        return p;
    }
}
