package org.bpf4j.verifier.objects;


import java.nio.file.Path;
import org.bpf4j.object.ObjectFile;
import org.bpf4j.object.ObjectSpec;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.verifier.VerificationResult;
import org.bpf4j.verifier.Verifier;
import org.bpf4j.verifier.VerifierOptions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A developer aid, skipped unless {@code -Dbpf4j.debugProgram=OBJECT:FUNCTION:TYPE[:LEVEL]} names a
 * corpus program: prints the verifier's log for it.
 */
class DebugOneTest {
    @Test
    void printLog() {
        String spec = System.getProperty("bpf4j.debugProgram", "");
        Assumptions.assumeFalse(spec.isEmpty(), "no -Dbpf4j.debugProgram given; nothing to print");
        String[] f = spec.split(":");
        Path root = Path.of(System.getProperty("bpf4j.shared", "../shared"), "corpus", "ebpf-samples");
        ObjectSpec obj = ObjectFile.read(root.resolve(f[0]));
        int level = f.length > 3 ? Integer.parseInt(f[3]) : 2;
        VerificationResult r = Verifier.verify(ObjectInputs.input(obj, obj.linkedProgram(f[1]),
                ProgramType.byName(f[2]).orElseThrow()), VerifierOptions.defaults().withLogLevel(level));
        String log = r.log();
        String[] ls = log.split("\n");
        int tail = Integer.getInteger("bpf4j.debugTail", 30);
        System.out.println(String.join("\n", java.util.Arrays.copyOfRange(ls, Math.max(0, ls.length - tail), ls.length)));
        System.out.println(r);
    }
}
