package org.bpf4j.linux;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;
import org.bpf4j.object.Kconfig;

/**
 * The running kernel's release and configuration, for {@code LINUX_KERNEL_VERSION}, program
 * {@code kern_version} and {@code __kconfig} externs. Reads {@code /proc/sys/kernel/osrelease}
 * and {@code /proc/config.gz} (or {@code /boot/config-RELEASE}). Stateless.
 */
public final class KernelRelease {
    private static final Pattern VERSION = Pattern.compile("^(\\d+)\\.(\\d+)(?:\\.(\\d+))?");

    private KernelRelease() {
    }

    /** The release string, such as {@code 6.18.44-generic}. */
    public static String release() {
        try {
            return Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernel release: " + e.getMessage(), e);
        }
    }

    /** {@code KERNEL_VERSION(a, b, c)} of a release string; 0 if it does not start with a version. */
    public static int versionCode(String release) {
        Matcher m = VERSION.matcher(release);
        if (!m.find()) {
            return 0;
        }
        int patch = m.group(3) == null ? 0 : Integer.parseInt(m.group(3));
        return Kconfig.kernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), patch);
    }

    /** The running kernel's {@code KERNEL_VERSION} code. */
    public static int versionCode() {
        return versionCode(release());
    }

    /** The running kernel's configuration ({@code CONFIG_X -> "y"}), empty if none is readable. */
    public static Map<String, String> config() {
        Path gz = Path.of("/proc/config.gz");
        try {
            if (Files.isReadable(gz)) {
                try (InputStream in = new GZIPInputStream(Files.newInputStream(gz))) {
                    return parseConfig(new String(in.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            Path boot = Path.of("/boot/config-" + release());
            if (Files.isReadable(boot)) {
                return parseConfig(Files.readString(boot));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the kernel configuration: " + e.getMessage(), e);
        }
        return Map.of();
    }

    /**
     * The configuration with the two feature externs libbpf answers itself besides
     * {@code LINUX_KERNEL_VERSION}: {@code LINUX_HAS_BPF_COOKIE} (whether programs may call
     * {@code bpf_get_attach_cookie}: Linux 5.15 and later) and {@code LINUX_HAS_SYSCALL_WRAPPER}
     * (whether system calls are entered through {@code __<arch>_sys_*} wrappers taking a
     * {@code struct pt_regs}, which {@code BPF_KSYSCALL} programs need to know: the kernel's symbols
     * have {@code __x64_sys_bpf} or {@code __arm64_sys_bpf}). Values already present are kept.
     */
    public static Map<String, String> withLibbpfFeatures(Map<String, String> config, int versionCode) {
        Map<String, String> out = new HashMap<>(config);
        out.putIfAbsent("LINUX_HAS_BPF_COOKIE", versionCode >= Kconfig.kernelVersion(5, 15, 0) ? "y" : "n");
        out.putIfAbsent("LINUX_HAS_SYSCALL_WRAPPER", hasSyscallWrapper() ? "y" : "n");
        return out;
    }

    private static boolean hasSyscallWrapper() {
        try (var lines = Files.lines(Path.of("/proc/kallsyms"))) {
            return lines.anyMatch(l -> l.endsWith(" __x64_sys_bpf") || l.endsWith(" __arm64_sys_bpf")
                    || l.endsWith(" __s390x_sys_bpf") || l.endsWith(" __riscv_sys_bpf"));
        } catch (IOException | java.io.UncheckedIOException e) {
            return false;
        }
    }

    /**
     * {@code object} with its {@code __kconfig} externs given the running kernel's values, as libbpf
     * gives them at load ({@code LINUX_KERNEL_VERSION}, {@code CONFIG_*} and libbpf's feature
     * externs): the kernel backend loads objects so, and verifying an object for the running kernel
     * must see the same constants (programs branch on them). The object itself when it has none.
     *
     * @throws org.bpf4j.object.UnresolvedSymbolException if a non-weak extern has no value
     * @throws IllegalArgumentException if a value does not suit its extern's type
     */
    public static org.bpf4j.object.ObjectSpec withRunningKernelKconfig(org.bpf4j.object.ObjectSpec object) {
        if (object.externs().stream().noneMatch(e -> e.kind() == org.bpf4j.object.ExternSpec.Kind.KCONFIG)) {
            return object;
        }
        int version = versionCode();
        return Kconfig.fill(object, version, withLibbpfFeatures(config(), version));
    }

    /** Parses {@code CONFIG_X=value} lines; comments and blank lines are skipped. */
    public static Map<String, String> parseConfig(String text) {
        Map<String, String> out = new HashMap<>();
        for (String line : text.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int eq = l.indexOf('=');
            if (eq > 0) {
                out.put(l.substring(0, eq), l.substring(eq + 1));
            }
        }
        return out;
    }

    /** The value of one configuration option. */
    public static Optional<String> option(Map<String, String> config, String name) {
        return Optional.ofNullable(config.get(name));
    }
}
