package org.bpf4j.cli;

import java.nio.file.Path;
import org.bpf4j.Bpf4jException;
import org.bpf4j.isa.Code;
import org.bpf4j.object.MapSpec;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.object.ProgramSpec;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.objects.ObjectInputs;
import org.bpf4j.vm.VmObject;

/**
 * {@code bpf4j run FILE.o} verifies the program it runs first, as the VM will load it (linked,
 * CO-RE-relocated: {@link VmObject#loadedForm}), with the object's maps, global functions and
 * kfunc names ({@link ObjectInputs}); a rejected program is refused unless {@code --no-verify}.
 * The facts of an accepted one go to the JIT.
 */
final class ObjectVerification {
    private ObjectVerification() {}

    /**
     * An accepted program: the code the facts are about (the code the VM loads), the facts, and
     * whether another program of the object may run in the same test run (through a program
     * array's tail calls), which this verification says nothing about.
     */
    record Verified(Code code, AccessFacts facts, boolean otherProgramsMayRun) {}

    /**
     * Verifies program {@code progName} of {@code spec} (from {@code file}).
     *
     * @throws CommandFailure if the program is rejected, has no program type to verify it as, or
     *     cannot be linked
     */
    static Verified verify(Path file, ObjectSpec spec, String progName) {
        String name = file.toString();
        ProgramSpec p = spec.program(progName).orElseThrow(() -> CommandFailure.badInput(name + ": no program '"
                + progName + "'"));
        String what = name + ": program " + p.name();
        String noVerify = " (--no-verify runs it unverified, with every check)";
        ProgramType type = p.programType().orElseThrow(() -> new CommandFailure(Main.EXIT_FAILED, what
                + " (section '" + p.sectionName() + "') has no known program type, so it cannot be verified"
                + noVerify, null));
        ProgramSpec ready;
        try {
            ready = VmObject.loadedForm(spec, p);
        } catch (Bpf4jException e) {
            throw CommandFailure.about(name, e);
        }
        VerificationResult r = Verifier.verify(ObjectInputs.input(spec, ready, type));
        boolean progArrays = spec.maps().stream().anyMatch(m -> m.mapType().orElse(null) == MapType.PROG_ARRAY
                || m.innerMap().flatMap(MapSpec::mapType).orElse(null) == MapType.PROG_ARRAY);
        return switch (r) {
            case VerificationResult.Accepted a -> new Verified(ready.code(), a.facts(), progArrays);
            case VerificationResult.Rejected x -> throw new CommandFailure(Main.EXIT_FAILED, what + ": rejected by the "
                    + "verifier" + (x.slot() >= 0 ? " at insn " + x.slot() : "") + ": "
                    + x.message().replace('\n', ' ') + source(ready, x.slot()) + noVerify, null);
        };
    }

    /** " [file.c:12: source]" for a slot with line info. */
    private static String source(ProgramSpec p, int slot) {
        if (slot < 0) {
            return "";
        }
        return p.lineAt(slot).map(l -> " [" + l.position() + ": " + l.sourceLine().strip() + "]").orElse("");
    }
}
