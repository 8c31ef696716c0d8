package org.bpf4j.linux.link;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Set;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.object.ObjectFile;

/** The attach tests' objects (src/test/resources/attach, built by its build.sh) and map helpers. */
final class Fixtures {
    static final Path DIR = Path.of("src/test/resources/attach").toAbsolutePath();
    static final Path TARGET = DIR.resolve("target");

    private Fixtures() {
    }

    /** Loads some programs of an object (all its maps). */
    static KernelObject load(String object, String... programs) {
        KernelObject o = Kernel.system().load(ObjectFile.read(DIR.resolve(object)),
                LoadOptions.defaults().withPrograms(Set.of(programs)));
        for (String p : programs) {
            if (!o.programs().containsKey(p)) {
                String why = o.outcomes().stream().filter(x -> x.name().equals(p)).findFirst()
                        .map(x -> x instanceof KernelObject.Outcome.Rejected r ? r.error().getMessage() : "?")
                        .orElse("not in the object");
                o.close();
                throw new AssertionError(object + ": program " + p + " did not load: " + why);
            }
        }
        return o;
    }

    /**
     * Skips the calling test, with the reason, unless the test binary {@code target} (and with it
     * {@code uprobe.bpf.o}, whose register reads build.sh compiles for the same architecture) is
     * built for this machine's architecture: the committed ones are x86_64's.
     */
    static void requireNativeTarget() {
        String binary = elfMachine(TARGET);
        String host = switch (System.getProperty("os.arch", "")) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        org.junit.jupiter.api.Assumptions.assumeTrue(binary.equals(host), "skipped: the test binary "
                + TARGET.getFileName() + " is built for " + binary + " and this machine is " + host
                + "; rebuild it and uprobe.bpf.o here with src/test/resources/attach/build.sh (gcc, clang-19, "
                + "systemtap-sdt-dev)");
    }

    /** Requires an x86_64 host: bpf4j decodes USDT argument specs of x86_64 only. */
    static void requireUsdtArch() {
        requireNativeTarget();
        org.junit.jupiter.api.Assumptions.assumeTrue(elfMachine(TARGET).equals("x86_64"),
                "skipped: bpf4j decodes the USDT argument specs of x86_64 only, this is " + elfMachine(TARGET));
    }

    private static String elfMachine(Path elf) {
        try (java.io.InputStream in = java.nio.file.Files.newInputStream(elf)) {
            byte[] head = in.readNBytes(20);
            int machine = head.length < 20 ? -1 : (head[18] & 0xff) | (head[19] & 0xff) << 8;
            return switch (machine) {
                case 62 -> "x86_64";
                case 183 -> "aarch64";
                default -> "machine " + machine;
            };
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot read " + elf + ": " + e.getMessage(), e);
        }
    }

    static byte[] u32(long v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array();
    }

    static long u64(byte[] b) {
        return ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** The u64 at index {@code slot} of an array map. */
    static long slot(KernelMap map, int slot) {
        return u64(map.lookup(u32(slot)).orElseThrow());
    }

    /** Writes this JVM's tgid into the one-element array {@code target_tgid}. */
    static void targetThisProcess(KernelObject o) {
        o.map("target_tgid").orElseThrow().update(u32(0), u32(ProcessHandle.current().pid()), KernelMap.ANY);
    }

    /** Runs a command, failing the test with its output if it does not exit 0. */
    static String run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            int rc = p.waitFor();
            assertTrue(rc == 0, String.join(" ", command) + " exited " + rc + ": " + out);
            return out;
        } catch (java.io.IOException e) {
            throw new AssertionError("cannot run " + String.join(" ", command) + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
