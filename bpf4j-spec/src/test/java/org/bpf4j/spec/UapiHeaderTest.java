package org.bpf4j.spec;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Compares the catalog with the machine's installed UAPI header ({@code /usr/include/linux/bpf.h},
 * from linux-libc-dev), which may be older than the catalog: every id the header knows must carry
 * the same name here. Skipped when the header is not installed.
 */
class UapiHeaderTest {
    private static final Path HEADER = Path.of("/usr/include/linux/bpf.h");

    private static String header() throws IOException {
        assumeTrue(Files.isReadable(HEADER), "no " + HEADER + " (install linux-libc-dev to run this test)");
        return Files.readString(HEADER).replaceAll("(?s)/\\*.*?\\*/", "");
    }

    /** The members of {@code enum name { ... }} in order, skipping aliases ({@code A = B}) and {@code __MAX} markers. */
    private static List<String> enumMembers(String text, String name) {
        Matcher m = Pattern.compile("enum " + name + " \\{(.*?)\\};", Pattern.DOTALL).matcher(text);
        assumeTrue(m.find(), "no enum " + name + " in the header");
        List<String> out = new ArrayList<>();
        for (String item : m.group(1).split(",")) {
            String s = item.strip();
            if (s.isEmpty() || s.startsWith("__") || s.contains("=")) {
                continue;
            }
            out.add(s);
        }
        return out;
    }

    /** The lines of the helper list macro: from its {@code #define} to the first line without a continuation. */
    private static String mapperBlock(String text) {
        Matcher start = Pattern.compile("#define _{2,3}BPF_FUNC_MAPPER\\(FN(, ctx\\.\\.\\.)?\\)").matcher(text);
        assumeTrue(start.find(), "no helper list macro in the header");
        StringBuilder block = new StringBuilder();
        for (String line : text.substring(start.start()).split("\n")) {
            block.append(line).append('\n');
            if (!line.stripTrailing().endsWith("\\")) {
                break;
            }
        }
        return block.toString();
    }

    @Test
    void helperIdsAndNamesAgree() throws IOException {
        String text = mapperBlock(header());
        Matcher m = Pattern.compile("FN\\((\\w+)(?:, (\\d+), ##ctx)?\\)").matcher(text);
        List<String> names = new ArrayList<>();
        while (m.find()) {
            if (m.group(2) != null) {
                assertEquals(names.size(), Integer.parseInt(m.group(2)), "ids in the header run in order");
            }
            names.add(m.group(1));
        }
        assumeTrue(names.size() > 100, "the header's helper list was not found");
        HelperCatalog catalog = HelperCatalog.linux();
        for (int id = 0; id < names.size(); id++) {
            assertEquals(names.get(id), catalog.byId(id).orElseThrow().name(), "helper id " + id);
        }
    }

    @Test
    void programTypesAgree() throws IOException {
        List<String> members = enumMembers(header(), "bpf_prog_type");
        for (int id = 0; id < members.size(); id++) {
            assertEquals(members.get(id), "BPF_PROG_TYPE_" + ProgramType.byId(id).orElseThrow().name());
        }
    }

    @Test
    void mapTypesAgree() throws IOException {
        List<String> members = enumMembers(header(), "bpf_map_type");
        for (int id = 0; id < members.size(); id++) {
            String expected = members.get(id).replace("_DEPRECATED", "");
            assertEquals(expected, "BPF_MAP_TYPE_" + MapType.byId(id).orElseThrow().name());
        }
    }

    @Test
    void attachTypesAgree() throws IOException {
        List<String> members = enumMembers(header(), "bpf_attach_type");
        for (int id = 0; id < members.size(); id++) {
            assertEquals(members.get(id), "BPF_" + AttachType.byId(id).orElseThrow().name());
        }
    }
}
