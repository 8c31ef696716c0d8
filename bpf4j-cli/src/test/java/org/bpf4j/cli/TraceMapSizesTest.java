package org.bpf4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The sizes of a script's maps as {@code bpf4j trace -d} lists them ({@code src/test/resources/trace-map-sizes}):
 * for each {@code NAME.bt}, the lines of the dump's "Maps" section must be {@code NAME.maps}. The
 * values printed by such maps are checked by the trace module's goldens ({@code trace/vm/map_layout.bt}).
 */
class TraceMapSizesTest {
    @TestFactory
    Stream<DynamicTest> mapSizes() throws Exception {
        Path dir = Path.of(TraceMapSizesTest.class.getResource("/trace-map-sizes").toURI());
        List<Path> scripts;
        try (Stream<Path> s = Files.list(dir)) {
            scripts = s.filter(p -> p.toString().endsWith(".bt")).sorted().toList();
        }
        return scripts.stream().map(p -> DynamicTest.dynamicTest(p.getFileName().toString(), () -> {
            Cli r = Cli.run("trace", "--backend", "vm", "-d", "--dry-run", p.toString());
            String out = r.ok();
            String marker = "Maps\n-------------------\n";
            int from = out.indexOf(marker);
            String maps = from < 0 ? "" : out.substring(from + marker.length());
            int end = maps.indexOf("\n\n"); // the blank line before the first program's listing
            maps = end < 0 ? maps : maps.substring(0, end + 1);
            String name = p.getFileName().toString();
            assertEquals(Files.readString(p.resolveSibling(name.substring(0, name.length() - 3) + ".maps")), maps,
                    "maps of " + name);
        }));
    }
}
