package org.bpf4j.verifier.objects;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelObject;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.LoadOptions;
import org.bpf4j.linux.btf.DataLayout;
import org.bpf4j.object.ObjectFile;
import org.junit.jupiter.api.Test;

/**
 * {@code objects/kfunc_callback.o}: kfuncs (extern {@code __ksym} declarations) in the same object
 * as a {@code bpf_loop} callback and a global function, loaded into the running kernel through
 * bpf4j's loader with the object's BTF (which the kernel needs for the callback's and the global
 * function's func info) and run with {@code BPF_PROG_TEST_RUN}; a weak kfunc the kernel does not
 * have resolves to 0. Skipped, with the reason, when bpf() is unavailable.
 */
class KfuncObjectKernelTest {
    private static final Path FILE = ObjectVerdicts.DIR.resolve("kfunc_callback.o");

    @Test
    void kfuncsCallbacksAndGlobalFunctionsLoadAndRunTogether() {
        Kernel.Availability a = Kernel.probe();
        assumeTrue(a.available(), "kernel run of kfunc_callback.o skipped: " + a.reason());
        Kernel kernel = Kernel.system();
        LoadOptions options = LoadOptions.defaults().withoutPinning().withLayout(DataLayout.read(FILE));
        try (KernelObject obj = kernel.load(ObjectFile.read(FILE), options)) {
            assertTrue(obj.hasBtf(), "the object's BTF was not loaded: " + obj.warnings());
            Map<String, String> rejected = new TreeMap<>();
            obj.rejected().forEach(r -> rejected.put(r.name(), r.error().getMessage()));
            // The only refused program calls the missing weak kfunc where the verifier reaches the call.
            assertEquals(java.util.Set.of("calls_missing_weak"), rejected.keySet(), rejected.toString());
            assertTrue(rejected.get("calls_missing_weak").contains("bpf4j_no_such_kfunc"),
                    rejected.get("calls_missing_weak"));

            KernelProgram xdp = obj.program("loop_and_slice").orElseThrow();
            assertEquals(2, run(xdp, frame(0x08, 0x00)), "IPv4 frame");
            assertEquals(1, run(xdp, frame(0x08, 0x06)), "ARP frame");
            KernelMap bss = obj.maps().values().stream().filter(m -> m.name().endsWith(".bss")).findFirst()
                    .orElseThrow();
            byte[] loops = bss.lookup(new byte[4]).orElseThrow();
            assertEquals(8, ByteBuffer.wrap(loops).order(ByteOrder.LITTLE_ENDIAN).getLong(0),
                    "bpf_loop callback runs over two test runs");

            assertEquals(90, run(obj.program("iter_and_global").orElseThrow(), frame(0x08, 0x00)));
            assertEquals(2, run(obj.program("weak_missing").orElseThrow(), frame(0x08, 0x00)));
        }
    }

    private static int run(KernelProgram p, byte[] packet) {
        return p.testRun(KernelProgram.TestRun.ofData(packet)).retval();
    }

    /** A 64-byte Ethernet frame of the given EtherType. */
    private static byte[] frame(int hi, int lo) {
        byte[] f = new byte[64];
        for (int i = 0; i < 12; i++) {
            f[i] = (byte) (i + 1);
        }
        f[12] = (byte) hi;
        f[13] = (byte) lo;
        return f;
    }
}
