package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.bpf4j.linux.Kernel;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A script's C definitions next to the kernel's BTF, as current bpftrace's runtime tests
 * {@code btf.*} have them: a definition may use kernel structs it does not define, unless the script
 * redefines a kernel type; then (bpftrace drops the kernel's definitions) it must define every
 * struct it uses. Skipped with the reason without bpf() or kernel BTF.
 */
class TraceCDefinitionsTest {
    private static void needsKernelBtf() {
        Kernel.Availability a = Kernel.probe();
        Assumptions.assumeTrue(a.available(), "SKIPPED: kernel test: " + a.reason());
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "SKIPPED: no kernel BTF");
    }

    @Test
    void aDefinitionUsesKernelStructsItDoesNotDefine() {
        needsKernelBtf();
        // btf.user_supplied_c_def_using_btf
        Cli r = Cli.run("trace", "-e", "struct foo { struct task_struct t; } begin { printf(\"%d\\n\", "
                + "sizeof(struct foo) == sizeof(struct task_struct)); exit(); }");
        assertEquals("1\n\n\n", r.ok());
    }

    @Test
    void aRedefinedKernelTypeIsTheScripts() {
        needsKernelBtf();
        // btf.redefine_btf_type
        Cli r = Cli.run("trace", "-e", "struct task_struct { int x; } begin { printf(\"%d\\n\", "
                + "sizeof(struct task_struct)); exit() }");
        assertEquals("4\n\n\n", r.ok());
    }

    @Test
    void aScriptThatRedefinesAKernelTypeMustDefineTheStructsItUses() {
        needsKernelBtf();
        // btf.redefine_btf_type_missing_def: bpftrace fails in clang's words (error: field has
        // incomplete type 'struct thread_info')
        Cli r = Cli.run("trace", "-e", "struct task_struct { struct thread_info x; } begin { "
                + "printf(\"%d\\n\", curtask.x.status); }");
        String err = r.error(Main.EXIT_FAILED);
        assertTrue(err.startsWith("stdin:1:1-21: ERROR: cannot read the script's C definitions: field has incomplete "
                + "type 'struct thread_info' (the script redefines the kernel's 'struct task_struct', so, as in "
                + "bpftrace, its definitions take no struct, union or enum from the kernel's BTF: define "
                + "'struct thread_info' too)\n"), err);
        assertEquals("", r.out());
        // defined by the script too, it is the script's
        Cli both = Cli.run("trace", "-e", "struct thread_info { long a; int status; } "
                + "struct task_struct { struct thread_info x; } begin { printf(\"%d %d\\n\", sizeof(struct task_struct), "
                + "offsetof(struct task_struct, x.status)); exit(); }");
        assertEquals("16 8\n\n\n", both.ok());
    }
}
