package org.bpf4j.trace.sema;

import java.util.List;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.Expr;
import org.bpf4j.trace.ast.Probe;
import org.bpf4j.trace.ast.Program;
import org.bpf4j.trace.ast.Stmt;

/**
 * Warns of statements that can never run, as current bpftrace does ({@code Unreachable
 * statement.} at the first of them in a block): those after a {@code return}, {@code break},
 * {@code continue}, an {@code exit()} call, or an {@code if} whose branches both end so. The
 * statements are still typed and compiled (the code generator stops at the jump). Stateless.
 */
final class Reachability {
    private Reachability() {}

    /** Adds a warning for the first unreachable statement of each block of the program. */
    static void check(Program program, Diagnostics diags) {
        for (Probe p : program.probes()) {
            ends(p.body(), diags);
        }
    }

    /** Whether the block always ends in a jump; warns of what follows one. */
    private static boolean ends(List<Stmt> block, Diagnostics diags) {
        for (int i = 0; i < block.size(); i++) {
            if (ends(block.get(i), diags)) {
                if (i + 1 < block.size()) {
                    diags.warning(block.get(i + 1).span(), "Unreachable statement.");
                }
                return true;
            }
        }
        return false;
    }

    private static boolean ends(Stmt s, Diagnostics diags) {
        return switch (s) {
            case Stmt.Jump j -> true;
            case Stmt.ExprStmt e -> e.expr() instanceof Expr.Call c && c.name().equals("exit");
            case Stmt.If i -> ends(i.then(), diags) & ends(i.otherwise(), diags) && !i.otherwise().isEmpty();
            // a loop's body may end in a jump, which ends the loop's turn, not the block around it
            case Stmt.While w -> {
                ends(w.body(), diags);
                yield false;
            }
            case Stmt.Unroll u -> {
                ends(u.body(), diags);
                yield false;
            }
            case Stmt.ForMap f -> {
                ends(f.body(), diags);
                yield false;
            }
            case Stmt.ForRange f -> {
                ends(f.body(), diags);
                yield false;
            }
            default -> false;
        };
    }
}
