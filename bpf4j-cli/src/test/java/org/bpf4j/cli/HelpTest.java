package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --help} and {@code --version} on the command and every subcommand. */
class HelpTest {
    @ParameterizedTest
    @ValueSource(strings = {"asm", "disasm", "run", "conformance"})
    void everySubcommandHasHelp(String command) {
        for (String flag : new String[] {"--help", "-h"}) {
            String out = Cli.run(command, flag).ok();
            assertTrue(out.startsWith("Usage: bpf4j " + command + " "), out);
            assertTrue(out.contains("--help"), out);
        }
        String help = Cli.run("help", command).ok();
        assertTrue(help.startsWith("Usage: bpf4j " + command + " "), help);
    }

    @Test
    void topLevelHelpListsTheCommands() {
        String out = Cli.run("--help").ok();
        assertTrue(out.startsWith("Usage: bpf4j "), out);
        for (String command : new String[] {"asm", "disasm", "run", "conformance"}) {
            assertTrue(out.contains("\n  " + command + " "), command + " in: " + out);
        }
        assertTrue(out.contains("Exit status"), out);
    }

    @Test
    void runHelpNamesTheEngines() {
        assertTrue(Cli.run("run", "--help").ok().contains("interp"));
        assertTrue(Cli.run("conformance", "--help").ok().contains("interp"));
    }

    @Test
    void versionNamesTheProjectAndJava() {
        String out = Cli.run("--version").ok();
        assertTrue(out.matches("(?s)bpf4j [0-9][^\\n]*\\nJava [0-9].*"), out);
        assertTrue(Cli.run("run", "--version").ok().startsWith("bpf4j "));
    }
}
