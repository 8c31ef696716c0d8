package org.bpf4j.trace.symbols;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.bpf4j.linux.probe.NativeElf;
import org.junit.jupiter.api.Test;

/**
 * The C++ demangler against GNU's: the cases of {@code symbols/demangle.txt} (recorded with
 * libstdc++'s {@code abi::__cxa_demangle}), and, where {@code c++filt} is installed, every C++
 * symbol of a few system libraries: none may come out different, and at most 1% may be declined.
 * {@code c++filt} writes the {@code std::} abbreviations in full ({@code std::string} as
 * {@code std::basic_string<char, std::char_traits<char>, std::allocator<char> >}), which
 * {@code __cxa_demangle} and bpftrace do not; both sides are compared with the short forms.
 */
class CxxDemanglerTest {
    @Test
    void recordedCases() throws IOException {
        int n = 0;
        try (InputStream in = CxxDemanglerTest.class.getResourceAsStream("/symbols/demangle.txt")) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] f = line.split("\t", 2);
                String got = CxxDemangler.demangle(f[0]);
                if (f[1].equals("-")) {
                    assertNull(got, f[0]);
                } else {
                    assertEquals(f[1], got, f[0]);
                }
                n++;
            }
        }
        assertTrue(n > 250, "cases read: " + n);
    }

    @Test
    void notMangledNamesStayAsTheyAre() {
        assertNull(CxxDemangler.demangle("main"));
        assertNull(CxxDemangler.demangle(null));
        assertEquals("pthread_create", CxxDemangler.readable("pthread_create"));
        assertEquals("_Z", CxxDemangler.readable("_Z"));
        assertEquals("thread_native_entry(Thread*)", CxxDemangler.readable("_ZL19thread_native_entryP6Thread"));
    }

    @Test
    void agreesWithCxxfiltOnSystemLibraries() throws Exception {
        Path cxxfilt = Path.of("/usr/bin/c++filt");
        assumeTrue(Files.isExecutable(cxxfilt), "skipped: c++filt (binutils) is not installed");
        List<Path> libs = new ArrayList<>();
        libs.add(Path.of(System.getProperty("java.home"), "lib", "server", "libjvm.so"));
        libs.add(Path.of("/usr/lib/x86_64-linux-gnu/libstdc++.so.6"));
        Set<String> names = new LinkedHashSet<>();
        for (Path lib : libs) {
            if (Files.isReadable(lib)) {
                for (NativeElf.Symbol s : NativeElf.read(lib).symbols()) {
                    if (s.name().startsWith("_Z")) {
                        names.add(s.name());
                    }
                }
            }
        }
        assumeTrue(names.size() > 1000, "skipped: no C++ libraries to compare with");
        List<String> mangled = new ArrayList<>(names);
        Process p = new ProcessBuilder(cxxfilt.toString()).redirectErrorStream(true).start();
        Thread writer = new Thread(() -> {
            try (var out = p.getOutputStream()) {
                out.write((String.join("\n", mangled) + "\n").getBytes(StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        String[] want = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).split("\n");
        writer.join();
        assertEquals(0, p.waitFor());
        assertEquals(mangled.size(), want.length);
        int declined = 0;
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < want.length; i++) {
            String got = CxxDemangler.demangle(mangled.get(i));
            if (got == null) {
                declined++;
            } else if (!shortStd(got).equals(shortStd(want[i])) && wrong.size() < 10) {
                wrong.add(mangled.get(i) + "\n  got  " + got + "\n  want " + want[i]);
            }
        }
        assertTrue(wrong.isEmpty(), String.join("\n", wrong));
        assertTrue(declined * 100 < want.length, declined + " of " + want.length + " declined");
    }

    private static String shortStd(String s) {
        return s.replace("std::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string")
                .replace("std::basic_istream<char, std::char_traits<char> >", "std::istream")
                .replace("std::basic_ostream<char, std::char_traits<char> >", "std::ostream")
                .replace("std::basic_iostream<char, std::char_traits<char> >", "std::iostream")
                .replaceAll("(std::(string|istream|ostream|iostream)) >", "$1>");
    }
}
