package org.bpf4j.oracle;

import java.util.List;
import java.util.Objects;

/**
 * A self-contained piece of a generated program's main function: control can enter only at its
 * start, and every register and stack invariant the generator keeps holds again at its end, so a
 * chunk can be dropped without making the rest invalid.
 *
 * @param kind what the chunk does (for statistics and reproducers), such as {@code alu} or {@code loop}
 * @param pieces its instructions
 * @param essential whether minimization must keep it (the prologue)
 */
public record Chunk(String kind, List<Piece> pieces, boolean essential) {
    /** Copies the pieces. */
    public Chunk {
        Objects.requireNonNull(kind, "kind");
        pieces = List.copyOf(pieces);
    }

    /** The slots the chunk takes. */
    public int slots() {
        int n = 0;
        for (Piece p : pieces) {
            n += p.slots();
        }
        return n;
    }

    /** An empty chunk of the same kind: what a removed chunk becomes (jumps to it go to the next). */
    Chunk emptied() {
        return new Chunk(kind, List.of(), essential);
    }
}
