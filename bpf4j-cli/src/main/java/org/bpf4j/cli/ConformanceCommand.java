package org.bpf4j.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code bpf4j conformance DIR|FILE...}: runs conformance {@code .data} files and reports. */
@Command(name = "conformance", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {"Runs conformance tests (.data files) and compares r0 with each -- result, "
                + "or the error with each -- error.",
            "Prints one line per failure (FAIL name: ...) or skip (SKIP name: reason), then "
                + "N passed, M failed[, K skipped]. Exits with 1 if any test failed."})
final class ConformanceCommand implements Callable<Integer> {
    @Spec
    private CommandSpec spec;

    @Parameters(paramLabel = "DIR|FILE", arity = "1..*",
            description = ".data files, or directories whose *.data files run in name order")
    private List<Path> paths;

    @Option(names = {"-v", "--verbose"}, description = "also print a PASS line for every test that passes")
    private boolean verbose;

    @Mixin
    private EngineOptions engine;

    @Override
    public Integer call() {
        List<Path> files = new ArrayList<>();
        for (Path p : paths) {
            files.addAll(dataFiles(p));
        }
        PrintWriter out = spec.commandLine().getOut();
        int passed = 0;
        int failed = 0;
        int skipped = 0;
        for (Path f : files) {
            String name = f.getFileName().toString();
            switch (ConformanceCase.run(f, engine.engine(), engine.budget())) {
                case ConformanceCase.Outcome.Pass p -> {
                    passed++;
                    if (verbose) {
                        out.println("PASS " + name);
                    }
                }
                case ConformanceCase.Outcome.Fail fail -> {
                    failed++;
                    out.println("FAIL " + name + ": " + fail.message());
                }
                case ConformanceCase.Outcome.Skip skip -> {
                    skipped++;
                    out.println("SKIP " + name + ": " + skip.reason());
                }
            }
        }
        out.println(passed + " passed, " + failed + " failed" + (skipped > 0 ? ", " + skipped + " skipped" : ""));
        out.flush();
        return failed > 0 ? Main.EXIT_FAILED : Main.EXIT_OK;
    }

    /** The file itself, or a directory's {@code *.data} files sorted by name. */
    private static List<Path> dataFiles(Path p) {
        if (!Files.exists(p)) {
            throw CommandFailure.badInput(p + ": no such file or directory");
        }
        if (!Files.isDirectory(p)) {
            return List.of(p);
        }
        List<Path> found;
        try (Stream<Path> s = Files.list(p)) {
            found = s.filter(f -> f.getFileName().toString().endsWith(".data") && Files.isRegularFile(f))
                    .sorted(Comparator.comparing(f -> f.getFileName().toString()))
                    .toList();
        } catch (IOException e) {
            throw CommandFailure.io(p, "list", e);
        }
        if (found.isEmpty()) {
            throw CommandFailure.badInput(p + ": the directory has no .data files");
        }
        return found;
    }
}
