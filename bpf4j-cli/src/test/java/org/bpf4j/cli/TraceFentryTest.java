package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * fentry/fexit probes ({@code kfunc}/{@code kretfunc}) compile as current bpftrace's: the kernel
 * functions come from its BTF, {@code args.NAME} is the parameter of that name read from its 8-byte
 * slot of the context, {@code retval} of an fexit probe the slot after them, typed by the
 * prototype (a struct pointer whose fields a script follows). They used to be refused while
 * compiling ("does not generate them yet"); now {@code -d} compiles them and only the kernel's
 * load or attachment may refuse them (this machine's lockdown refuses the load: EPERM).
 */
class TraceFentryTest {
    @BeforeEach
    void needsBtf() {
        Assumptions.assumeTrue(Files.isReadable(Path.of("/sys/kernel/btf/vmlinux")), "SKIPPED: no kernel BTF");
    }

    @Test
    void argumentsAndReturnValueAreTypedAndReadFromTheContext() {
        Cli r = Cli.run("trace", "-d", "-e", "kfunc:vfs_read { @[comm] = hist(args.count); } "
                + "kretfunc:fget /retval/ { printf(\"%s\\n\", str(retval->f_path.dentry->d_name.name)); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        // vfs_read(file, buf, count): count is the third slot; fget(fd) returns a struct file *
        assertTrue(r.out().contains("    . :: uint64\n     builtin: args\n     count\n"), r.out());
        assertTrue(r.out().contains("ldxdw %r0, [%r6+16]"), r.out());
        assertTrue(r.out().contains("   builtin: retval :: struct file *\n"), r.out());
        String fget = r.out().substring(r.out().indexOf("kretfunc:fget ("));
        assertTrue(fget.contains(", [%r6+8]"), fget);
    }

    @Test
    void aWildcardExpandsToTheMatchingFunctions() {
        Cli r = Cli.run("trace", "-d", "-e", "kfunc:vfs_rea* { @[probe] = count(); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("\nkfunc:vfs_read ("), r.out());
    }

    @Test
    void aMissingFunctionOrParameterIsCurrentBpftracesError() {
        Cli none = Cli.run("trace", "-d", "-e", "kretfunc:bpf4j_no_such_function { }");
        assertEquals(Main.EXIT_FAILED, none.status());
        assertEquals("stdin:1:1-32: ERROR: No matches for fexit bpf4j_no_such_function.\n"
                + "kretfunc:bpf4j_no_such_function { }\n" + "~".repeat(31) + "\n", none.err());
        Cli param = Cli.run("trace", "-d", "-e", "kfunc:vfs_read { print(args.nope); }");
        assertEquals(Main.EXIT_FAILED, param.status());
        assertEquals("stdin:1:24-33: ERROR: Can't find function parameter nope\n"
                + "kfunc:vfs_read { print(args.nope); }\n" + " ".repeat(23) + "~".repeat(9) + "\n", param.err());
    }

    @Test
    void argsAsAWholeIsARecordOfTheParameters() {
        // current bpftrace's runtime test "print args in fentry": { .path = 0x..., .file = 0x... }
        Cli r = Cli.run("trace", "-d", "-e", "fentry:vfs_open { print(args); @m = args; @k[args] = 1; }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("  call: print\n   builtin: args :: struct vfs_open_args\n"), r.out());
        assertTrue(r.out().contains("   map: @m :: struct vfs_open_args\n"), r.out());
        // vfs_open(path, file): both 8-byte slots of the context, each in its field
        String code = r.out().substring(r.out().indexOf("fentry:vfs_open ("));
        assertTrue(code.contains("ldxdw %r0, [%r6]\n") && code.contains("ldxdw %r0, [%r6+8]\n"), code);
        Cli mixed = Cli.run("trace", "-d", "-e", "fentry:vfs_read,fentry:vfs_open { print(args); }");
        assertEquals(Main.EXIT_FAILED, mixed.status());
        assertTrue(mixed.err().startsWith("stdin:1:17-32: ERROR: Probe has attach points with mixed arguments\n"),
                mixed.err());
    }

    @Test
    void socketCookieTakesTheStructSockOfATracingProgram() {
        // current bpftrace's TypeChecker tests (call_socket_cookie): fentry and fexit are tracing programs
        Cli r = Cli.run("trace", "-d", "-e", "fentry:tcp_shutdown { @[socket_cookie(args.sk)] = count(); } "
                + "fexit:tcp_shutdown { $c = socket_cookie(args.sk); }");
        assertEquals(Main.EXIT_OK, r.status(), r.err());
        assertTrue(r.out().contains("call 46\n"), r.out()); // bpf_get_socket_cookie
        Cli integer = Cli.run("trace", "-d", "-e", "fentry:tcp_shutdown { $ret = socket_cookie(args.how); }");
        assertEquals(Main.EXIT_FAILED, integer.status());
        assertTrue(integer.err().startsWith("stdin:1:30-53: ERROR: socket_cookie() only supports pointer arguments "
                + "(int provided)\n"), integer.err());
        Cli other = Cli.run("trace", "-d", "-e", "fentry:vfs_read { $ret = socket_cookie(args.file); }");
        assertEquals(Main.EXIT_FAILED, other.status());
        assertTrue(other.err().startsWith("stdin:1:26-50: ERROR: socket_cookie() only supports 'struct sock *' as the "
                + "argument ('struct file *' provided)\n"), other.err());
    }
}
