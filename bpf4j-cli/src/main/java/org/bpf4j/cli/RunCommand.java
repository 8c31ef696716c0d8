package org.bpf4j.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.bpf4j.Bpf4jException;
import org.bpf4j.MalformedInputException;
import org.bpf4j.jit.Jit;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierInput;
import org.bpf4j.vm.Engine;
import org.bpf4j.vm.Interpreter;
import org.bpf4j.vm.VmOptions;
import org.bpf4j.vm.VmProgram;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j run FILE}: runs a program once and prints R0, optionally timing repeated runs. */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs a program and prints r0 = 0x<hex> (64 bits, lower case).",
            "An object file (.o) is test-run as BPF_PROG_TEST_RUN does: prints retval = N (unsigned 32-bit), "
                + "duration with --repeat, and every map afterwards.",
            "R1 points to a writable copy of the input memory and R2 holds its length "
                + "(both 0 without memory), as in the conformance suite.",
            "The program is verified first (as a socket filter given that memory in R1; a program of an object "
                + "file as its section's program type, with the object's maps); a rejected program is "
                + "refused unless --no-verify. A verified program runs on the JIT, with the verifier's facts and "
                + "no instruction budget (an object with a program array keeps the budget), unless --engine or "
                + "--budget say otherwise."})
final class RunCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "FILE",
            description = "a .data file (its -- mem is the input memory), assembly (.s, .asm or other text) "
                    + "or raw instructions")
    private Path file;

    @Mixin
    private EngineOptions engine;

    @Option(names = "--mem", paramLabel = "HEX",
            description = "the input memory as hexadecimal bytes, such as \"00 01 ff\" or 0001ff "
                    + "(replaces the -- mem of a .data file)")
    private String mem;

    private Integer repeat;

    @Option(names = "--repeat", paramLabel = "N",
            description = "after a warm-up, time N more runs in batches of 1000 and print the median batch's ns/run "
                    + "(wall clock, as JitBenchmark's score) and cpu ns/run (the thread's CPU time) (and "
                    + "instructions/run and ns/insn where the engine counts instructions)")
    void repeat(int n) {
        if (n <= 0) {
            throw new ParameterException(spec.commandLine(), "--repeat must be positive, not " + n);
        }
        repeat = n;
    }

    @Option(names = "--prog", paramLabel = "NAME",
            description = "object files: the program to run (may be omitted when the object has one)")
    private String prog;

    @Option(names = "--data", paramLabel = "HEX", description = "object files: the packet (data_in) as hexadecimal bytes")
    private String data;

    @Option(names = "--data-file", paramLabel = "FILE", description = "object files: the packet (data_in) from a file")
    private Path dataFile;

    @Option(names = "--pcap", paramLabel = "IN",
            description = "object files: run over every packet of a pcap or pcapng file and count the verdicts")
    private Path pcapIn;

    @Option(names = "--out", paramLabel = "OUT",
            description = "with --pcap: write the packets the program passes or transmits to this pcap file")
    private Path pcapOut;

    @Option(names = "--data-out", paramLabel = "FILE", description = "object files: write data_out to this file")
    private Path dataOut;

    @Option(names = "--ctx", paramLabel = "HEX", description = "object files: the context (ctx_in) as hexadecimal bytes")
    private String ctx;

    @Option(names = "--json", description = "object files: print the result as JSON")
    private boolean json;

    @Option(names = "--dump-jit", description = "with the JIT: print the JVM bytecode the JIT generates for "
            + "the program (one listing per generated class) before running it")
    private boolean dumpJit;

    @Option(names = "--no-verify", description = "run the program without verifying it first: every memory access "
            + "checked at run time, the instruction budget on, the interpreter unless --engine says otherwise")
    private boolean noVerify;

    @Override
    public Integer call() {
        byte[] bytes = ProgramFile.readBytes(file);
        boolean verifies = !noVerify && !(engine.engine() instanceof KernelBackend);
        boolean jit = engine.engine() instanceof VmBackend vm && vm.engine() instanceof Jit
                || verifies && !explicit("--engine");
        if (dumpJit && !jit) {
            throw CommandFailure.badInput("--dump-jit needs --engine jit, not --engine " + engine.engine().name());
        }
        if (ObjectFiles.isElf(bytes)) {
            return runObject(bytes, verifies, jit);
        }
        if (prog != null || data != null || dataFile != null || pcapIn != null || pcapOut != null || dataOut != null
                || ctx != null || json) {
            throw CommandFailure.badInput(file + ": --prog, --data, --data-file, --pcap, --out, --data-out, --ctx and "
                    + "--json apply to object files only");
        }
        ProgramFile program = ProgramFile.read(file);
        byte[] memory = mem != null ? HexBytes.parse(mem, "--mem") : program.memory();
        PrintWriter out = spec.commandLine().getOut();
        try {
            if (program.code().size() == 0) {
                throw new MalformedInputException("the program has no instructions");
            }
            Backend backend = engine.engine();
            long budget = engine.budget();
            Jit jitEngine = Jit.INSTANCE;
            if (verifies) {
                AccessFacts facts = verify(program, memory);
                jitEngine = Jit.INSTANCE.withFacts(program.code(), facts);
                if (jit) {
                    backend = new VmBackend(jitEngine, "the JIT with the verifier's facts");
                }
                if (!explicit("--budget")) {
                    budget = Long.MAX_VALUE; // a verified program terminates
                }
            }
            if (dumpJit) {
                out.print(jitEngine.listing(VmProgram.load(program.name(), program.code(),
                        VmOptions.defaults().withEngine(Interpreter.INSTANCE).withInstructionBudget(budget))));
                out.flush();
            }
            try (Backend.Runner runner = backend.load(file.getFileName().toString(), program.code(), budget)) {
                runAndPrint(runner, memory, out);
            }
        } catch (Bpf4jException e) {
            throw CommandFailure.about(program.name(), e);
        }
        return Main.EXIT_OK;
    }

    /** Whether an option was given on the command line (not its default). */
    private boolean explicit(String option) {
        return spec.commandLine().getParseResult().hasMatchedOption(option);
    }

    /**
     * Verifies a program as it will run (R1 the input memory, R2 its length; the helpers of a
     * socket filter) and returns the facts the JIT uses; a rejected program is refused.
     */
    private AccessFacts verify(ProgramFile program, byte[] memory) {
        String name = file.getFileName().toString();
        String shown = file.toString();
        VerificationResult r = Verifier.verify(new VerifierInput(name, program.code(), ProgramType.SOCKET_FILTER,
                List.of(), true).withEntryMemory(memory == null ? 0 : memory.length));
        return switch (r) {
            case VerificationResult.Accepted a -> a.facts();
            case VerificationResult.Rejected x -> throw new CommandFailure(Main.EXIT_FAILED, shown + ": rejected by the "
                    + "verifier" + (x.slot() >= 0 ? " at insn " + x.slot() : "") + ": " + x.message().replace('\n', ' ')
                    + " (--no-verify runs it unverified, with every check)", null);
        };
    }

    /** Prints the JIT's bytecode listing of a program (compiled without defining its classes). */
    private static void dumpJit(Jit jit, VmProgram program, PrintWriter out) {
        out.print(jit.listing(program));
        out.flush();
    }

    private void runAndPrint(Backend.Runner runner, byte[] memory, PrintWriter out) {
        long r0 = runner.run(memory);
        out.println("r0 = 0x" + Long.toHexString(r0));
        out.flush();
        if (repeat != null) {
            Repeat.Result result = Repeat.measure(runner, memory, repeat);
            out.println("ns/run: " + String.format(Locale.ROOT, "%.1f", result.medianNanos()));
            result.cpuNanos().ifPresent(ns -> out.println("cpu ns/run: " + String.format(Locale.ROOT, "%.1f", ns)));
            result.instructions().ifPresent(i -> out.println("instructions/run: " + i));
            result.nanosPerInstruction().ifPresent(
                    ns -> out.println("ns/insn: " + String.format(Locale.ROOT, "%.2f", ns)));
            out.flush();
        }
    }

    /**
     * Runs a program of an object file. Unless {@code --no-verify} (or the kernel engine, whose own
     * verifier decides), the program is verified first as the VM loads it: a rejected one is
     * refused; an accepted one runs with the verifier's facts (on the JIT unless {@code --engine}
     * says otherwise) and, unless {@code --budget} or a program array (whose tail calls may run
     * the object's other, unverified programs), without an instruction budget.
     */
    private int runObject(byte[] bytes, boolean verifies, boolean jit) {
        int given = (data != null ? 1 : 0) + (dataFile != null ? 1 : 0) + (pcapIn != null ? 1 : 0) + (mem != null ? 1 : 0);
        if (given > 1) {
            throw CommandFailure.badInput(file + ": give the packet once: --data, --data-file or --pcap");
        }
        if (pcapOut != null && pcapIn == null) {
            throw CommandFailure.badInput(file + ": --out needs --pcap");
        }
        if (pcapIn != null && (dataOut != null || ctx != null)) {
            throw CommandFailure.badInput(file + ": --data-out and --ctx do not apply with --pcap");
        }
        byte[] packet = data != null ? HexBytes.parse(data, "--data")
                : mem != null ? HexBytes.parse(mem, "--mem")
                : dataFile != null ? ProgramFile.readBytes(dataFile) : null;
        byte[] context = ctx != null ? HexBytes.parse(ctx, "--ctx") : null;
        if (engine.engine() instanceof KernelBackend) {
            return KernelObjectRun.run(new ObjectRun.Request(file, bytes, prog, packet, pcapIn, pcapOut, dataOut, context,
                    repeat == null ? 1 : repeat, repeat != null, json), spec.commandLine().getOut());
        }
        if (!(engine.engine() instanceof VmBackend vm)) {
            throw CommandFailure.badInput(file + ": the " + engine.engine().name() + " engine does not run object files");
        }
        ObjectSpec object = ObjectFiles.parse(file, bytes);
        String progName = ObjectRun.chooseProgram(file.toString(), object, prog);
        Engine vmEngine = vm.engine();
        long budget = engine.budget();
        Jit jitEngine = Jit.INSTANCE;
        if (verifies) {
            ObjectVerification.Verified v = ObjectVerification.verify(file, object, progName);
            jitEngine = Jit.INSTANCE.withFacts(v.code(), v.facts());
            if (jit) {
                vmEngine = jitEngine;
            }
            if (!explicit("--budget") && !v.otherProgramsMayRun()) {
                budget = Long.MAX_VALUE; // a verified program terminates
            }
        }
        Jit dumping = jitEngine;
        VmOptions options = VmOptions.defaults().withEngine(vmEngine).withInstructionBudget(budget);
        return ObjectRun.run(new ObjectRun.Request(file, bytes, prog, packet, pcapIn, pcapOut, dataOut, context,
                repeat == null ? 1 : repeat, repeat != null, json), object, progName, options,
                dumpJit ? p -> dumpJit(dumping, p, spec.commandLine().getOut()) : p -> { }, spec.commandLine().getOut());
    }
}
