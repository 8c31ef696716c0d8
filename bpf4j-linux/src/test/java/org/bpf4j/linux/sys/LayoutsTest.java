package org.bpf4j.linux.sys;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * Every field of the {@link Layouts} against {@code bpf-attr-offsets.tsv}, the offsets and sizes
 * a C compiler computed from the 6.12 UAPI header ({@code tools/gen_bpf_attr_offsets.c}).
 */
class LayoutsTest {
    private static final Map<String, Struct> LAYOUTS = Map.ofEntries(
            Map.entry("map_create", Layouts.MAP_CREATE), Map.entry("map_elem", Layouts.MAP_ELEM),
            Map.entry("map_batch", Layouts.MAP_BATCH), Map.entry("prog_load", Layouts.PROG_LOAD),
            Map.entry("obj", Layouts.OBJ), Map.entry("test_run", Layouts.TEST_RUN),
            Map.entry("get_id", Layouts.GET_ID), Map.entry("obj_info", Layouts.OBJ_INFO),
            Map.entry("btf_load", Layouts.BTF_LOAD), Map.entry("link_create", Layouts.LINK_CREATE),
            Map.entry("func_info", Layouts.FUNC_INFO), Map.entry("line_info", Layouts.LINE_INFO),
            Map.entry("prog_info", Layouts.PROG_INFO), Map.entry("map_info", Layouts.MAP_INFO),
            Map.entry("raw_tracepoint", Layouts.RAW_TRACEPOINT),
            Map.entry("link_create_uprobe_multi", Layouts.LINK_CREATE_UPROBE_MULTI),
            Map.entry("link_create_iter", Layouts.LINK_CREATE_ITER),
            Map.entry("iter_create", Layouts.ITER_CREATE), Map.entry("btf_info", Layouts.BTF_INFO));

    record Row(String layout, String field, long offset, long size) {
    }

    static List<Row> rows() throws IOException {
        try (InputStream in = LayoutsTest.class.getResourceAsStream("/bpf-attr-offsets.tsv")) {
            List<Row> rows = new ArrayList<>();
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                String[] f = line.split("\t");
                rows.add(new Row(f[0], f[1], Long.parseLong(f[2]), Long.parseLong(f[3])));
            }
            return rows;
        }
    }

    @TestFactory
    Stream<DynamicTest> everyFieldMatchesTheHeader() throws IOException {
        return rows().stream().map(r -> DynamicTest.dynamicTest(r.layout() + "." + r.field(), () -> {
            if (r.layout().equals("bpf_attr")) {
                assertEquals(r.size(), Layouts.BPF_ATTR_SIZE);
                for (Struct s : LAYOUTS.values()) {
                    if (s != Layouts.PROG_INFO && s != Layouts.MAP_INFO && s != Layouts.BTF_INFO && s != Layouts.FUNC_INFO
                            && s != Layouts.LINE_INFO) {
                        assertTrue(s.size() <= r.size(), s.layout() + " is larger than union bpf_attr");
                    }
                }
                return;
            }
            Struct s = LAYOUTS.get(r.layout());
            if (r.field().equals("(size)")) {
                assertEquals(r.size(), s.size(), r.layout() + " size");
                return;
            }
            assertEquals(r.offset(), s.offset(r.field()), r.layout() + "." + r.field() + " offset");
            assertEquals(r.size(), s.size(r.field()), r.layout() + "." + r.field() + " size");
        }));
    }

    @Test
    void everyLayoutFieldIsChecked() throws IOException {
        List<Row> rows = rows();
        for (Map.Entry<String, Struct> e : LAYOUTS.entrySet()) {
            for (String f : e.getValue().fieldNames()) {
                assertTrue(rows.stream().anyMatch(r -> r.layout().equals(e.getKey()) && r.field().equals(f)),
                        e.getKey() + "." + f + " has no measured offset in bpf-attr-offsets.tsv");
            }
        }
    }
}
