package org.bpf4j.linux.perf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link PerfLayouts} against {@code perf-offsets.tsv}, measured from the UAPI header by {@code tools/gen_perf_offsets.c}. */
class PerfLayoutsTest {
    private static List<String[]> rows() throws IOException {
        try (InputStream in = PerfLayoutsTest.class.getResourceAsStream("/perf-offsets.tsv")) {
            List<String[]> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    rows.add(line.split("\t"));
                }
            }
            return rows;
        }
    }

    @Test
    void everyFieldMatchesTheHeader() throws IOException {
        Map<String, Long> page = Map.of("data_head", PerfLayouts.DATA_HEAD, "data_tail", PerfLayouts.DATA_TAIL,
                "data_offset", PerfLayouts.DATA_OFFSET, "data_size", PerfLayouts.DATA_SIZE);
        int checked = 0;
        for (String[] r : rows()) {
            long off = Long.parseLong(r[2]);
            long size = Long.parseLong(r[3]);
            if (r[0].equals("perf_event_mmap_page")) {
                assertEquals(off, page.get(r[1]), r[1]);
            } else if (r[1].equals("(size)")) {
                assertEquals(size, PerfLayouts.ATTR.size());
            } else {
                assertEquals(off, PerfLayouts.ATTR.offset(r[1]), r[1] + " offset");
                assertEquals(size, PerfLayouts.ATTR.size(r[1]), r[1] + " size");
            }
            checked++;
        }
        assertEquals(26, checked);
    }

    @Test
    void everyLayoutFieldIsMeasured() throws IOException {
        List<String[]> rows = rows();
        for (String f : PerfLayouts.ATTR.fieldNames()) {
            assertTrue(rows.stream().anyMatch(r -> r[0].equals("perf_event_attr") && r[1].equals(f)), f);
        }
    }
}
