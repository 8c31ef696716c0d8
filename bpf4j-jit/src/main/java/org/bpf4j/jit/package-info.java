/**
 * The JIT: compiles eBPF programs to JVM bytecode with {@code java.lang.classfile}, loaded as
 * hidden classes (unloaded with their program), so that HotSpot turns them into native code.
 * {@link org.bpf4j.jit.Jit} is the engine; everything else is package-private.
 *
 * <h2>Pipeline</h2>
 * <ol>
 *   <li>{@code ProgramImage}: the program's instructions by slot, {@code lddw} values (map handles
 *       and value addresses resolved as the interpreter's lowering resolves them), helpers bound.
 *   <li>{@code FunctionPlan}: per function (a variant: entry slot, how it returns, whether R10 is
 *       known to be the frame pointer) the basic blocks reachable from the entry, a conservative
 *       bytecode size estimate, and, above the method limit, a partition into chunks of
 *       consecutive blocks.
 *   <li>{@code MethodEmitter} and {@code InstructionEmitter}: the bytecode of one method. R0-R10
 *       and the budget left are {@code long} locals; simple arithmetic is inline, everything else
 *       calls the VM's shared semantics ({@code Arithmetic}, {@code Memory}, {@code Atomics},
 *       {@code Packets}); loads and stores through an unmodified R10 at a constant offset inside
 *       the 512-byte frame access the frame's array directly, and so do those the verifier's
 *       facts ({@code AccessPlan}) prove inside the running frame; all others test the region
 *       tables of {@code Memory} inline (the input memory's array instead where the facts prove
 *       an access inside it) (fetched at entry and again after calls, atomics and slow
 *       paths) and call {@code Memory}'s checked accessor out of line; in a program without
 *       facts (unverified) they call the checked accessor itself, a fifth of the bytecode, and
 *       helper calls go through a static stub per helper in each class, for compile time. An unsigned conditional
 *       jump the facts show to compare values of one sign is a signed comparison, and without a
 *       budget a backward branch goes straight to its target: the two things C2 needs to make a
 *       counted loop (no safepoint poll per iteration, the loop unrolled). Budget charges (none
 *       for a program loaded without a budget), traps and their messages are the interpreter's.
 *       {@code Frames} writes the stack map table (every label has the same frame).
 *   <li>{@code UnitCompiler}: packs the methods into classes under the constant pool's limits,
 *       links calls between classes with {@code invokedynamic} ({@code Linkage}), checks each
 *       method against HotSpot's 8,000-byte limit, defines the hidden classes.
 *   <li>{@code CompiledProgram} and {@code JitExecutable}: the entry, functions compiled on first
 *       use (computed {@code callx} targets, callbacks into the middle of code, tail call targets
 *       entered with a moved R10), and the per-execution {@code JitState}.
 * </ol>
 *
 * <h2>Calls and returns</h2>
 * Every function method takes {@code (JitState, R0..R10, budget, depth)} and returns R0; a callee
 * leaves R1-R5, the budget and its exit slot in the {@code JitState} (the interpreter keeps R1-R5
 * as the callee left them and charges a return by the callee's span), and the caller restores
 * nothing else: R6-R10 are its own locals. A function too large for one method becomes a root
 * that keeps the registers in a {@code long[]} and runs chunk after chunk, each returning the
 * number of the next block to run.
 *
 * <h2>Fallback</h2>
 * A program the JIT cannot compile (a function above {@link org.bpf4j.jit.Jit#maxFunctionInstructions()},
 * or generated code the JVM refuses) runs on the interpreter or fails to load, as
 * {@link org.bpf4j.jit.Jit.Fallback} says; the unit of fallback is the program.
 */
package org.bpf4j.jit;
