package org.bpf4j.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** The {@code --version} text: bpf4j's version (from the build) and the Java runtime's. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return new String[] {
            "bpf4j " + version(),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"
        };
    }

    /** The project version the jar was built from, or {@code unknown}. */
    static String version() {
        try (InputStream in = VersionProvider.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
