package org.bpf4j.object.btf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.bpf4j.MalformedInputException;
import org.bpf4j.object.ObjectFile;
import org.junit.jupiter.api.Test;

/** BTF parsing, queries and the C writer, on {@code objects/btfkinds.o} (every kind clang emits). */
class BtfTest {
    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BtfTest.class.getResourceAsStream("/objects/" + name)) {
            return in.readAllBytes();
        }
    }

    private final Btf btf;

    BtfTest() throws IOException {
        btf = ObjectFile.parse(resource("btfkinds.o"), "btfkinds.o").btf().orElseThrow();
    }

    @Test
    void everyTypeFormatsAsTheGoldenFile() throws IOException {
        StringBuilder out = new StringBuilder();
        for (int id = 1; id < btf.size(); id++) {
            out.append('[').append(id).append("] ").append(btf.describe(id)).append('\n').append(btf.format(id))
                    .append('\n');
        }
        assertEquals(new String(resource("btfkinds.expected.txt"), StandardCharsets.UTF_8), out.toString());
    }

    @Test
    void kindsAndQueries() {
        int every = btf.typeIdByName("every", 4);
        assertEquals(136, btf.sizeOf(every));
        assertEquals(8, btf.alignOf(every));
        BtfType.Enum64 big = (BtfType.Enum64) btf.typeByName("big").orElseThrow();
        assertEquals(0x1234567890L, big.values().get(1).value());
        BtfType.Enum small = (BtfType.Enum) btf.typeByName("small").orElseThrow();
        assertTrue(small.signed());
        assertEquals(-2, small.values().get(0).value());
        assertEquals(4, ((BtfType.Float) btf.typeByName("float").orElseThrow()).size());
        BtfType.DeclTag tag = (BtfType.DeclTag) btf.typeByName("counter_tag").orElseThrow();
        assertEquals(every, tag.type());
        assertEquals(12, tag.componentIndex());
        assertEquals(-1, ((BtfType.DeclTag) btf.typeByName("struct_tag").orElseThrow()).componentIndex());
        assertInstanceOf(BtfType.TypeTag.class, btf.typeByName("user").orElseThrow());
        BtfType.Struct s = (BtfType.Struct) btf.typeById(every);
        BtfType.Member more = s.members().get(4);
        assertEquals("more", more.name());
        assertEquals(3, more.bitfieldSize());
        assertEquals(24 * 8 + 5, more.bitOffset());
        assertEquals(BtfType.Linkage.GLOBAL, ((BtfType.Func) btf.typeByName("tagged").orElseThrow()).linkage());
        assertEquals("int", BtfFormat.typeName(btf, btf.skipQualifiers(s.members().get(0).type())));
    }

    @Test
    void danglingReferencesAndCyclesAreReported() {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> Btf.of(List.of(new BtfType.Void(), new BtfType.Ptr("", 7))));
        assertEquals("BTF: type id 1 (PTR) refers to type id 7, which does not exist (2 types)", e.getMessage());
        Btf cyclic = Btf.of(List.of(new BtfType.Void(), new BtfType.Typedef("a", 2), new BtfType.Typedef("b", 1)));
        e = assertThrows(MalformedInputException.class, () -> cyclic.sizeOf(1));
        assertTrue(e.getMessage().contains("a cycle?"), e.getMessage());
        assertTrue(cyclic.format(1).contains("typedef"));
    }

    @Test
    void plusAddsTypesAfterTheOnesItHas() {
        int every = btf.typeIdByName("every", 4);
        int n = btf.size();
        // a pointer to the existing struct, a new struct of the same name, one pointing to itself
        Btf more = btf.plus(List.of(new BtfType.Ptr("", every),
                new BtfType.Struct("every", 8, List.of(new BtfType.Member("p", n, 0, 0))),
                new BtfType.Struct("node", 8, List.of(new BtfType.Member("next", n + 3, 0, 0))),
                new BtfType.Ptr("", n + 2)));
        assertEquals(n + 4, more.size());
        assertEquals(btf.typeIdsByName("every").size() + 1, more.typeIdsByName("every").size());
        assertEquals(n + 1, more.typeIdsByName("every").getLast());
        assertEquals(every, more.typeIdByName("every", 4)); // the first of the name stays first
        assertEquals(List.of(n + 2), more.typeIdsByName("node"));
        assertEquals(136, more.sizeOf(every));
        assertEquals(btf.typeById(every), more.typeById(every));
        assertEquals(8, more.sizeOf(n + 2));
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> btf.plus(List.of(new BtfType.Ptr("", n + 5))));
        assertEquals("BTF: type id " + n + " (PTR) refers to type id " + (n + 5) + ", which does not exist ("
                + (n + 1) + " types)", e.getMessage());
    }
}
