package org.bpf4j.object;

import java.util.List;

/** The test objects built from the C sources in {@code src/test/resources/objects} by its {@code build.sh}. */
final class TestObjects {
    static final List<String> NAMES = List.of("features.o", "sections.o", "legacy.o", "target.o", "btfkinds.o");

    private TestObjects() {
    }

    static byte[] bytes(String name) {
        return Resources.bytes("objects/" + name);
    }

    static ObjectSpec parse(String name) {
        return ObjectFile.parse(bytes(name), name);
    }
}
