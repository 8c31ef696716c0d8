/**
 * The {@code bpf4j} command: assemble, disassemble and run eBPF programs, and run the
 * conformance suite, from the command line.
 *
 * <p>{@link org.bpf4j.cli.Main} is the only public type; every subcommand is one package-private
 * class ({@code AsmCommand}, {@code DisasmCommand}, {@code RunCommand},
 * {@code ConformanceCommand}) parsed by picocli. Engines are chosen by name from one table
 * ({@code Engines}), so a new engine is one line there.
 *
 * <p>Exit status: 0 success; 1 the program trapped at run time or a conformance test failed;
 * 2 malformed input, an unsupported feature or a usage error (one line {@code error: ...} naming
 * the file, no stack trace); 3 an internal error (a bug; {@code --debug} shows the stack trace).
 */
package org.bpf4j.cli;
