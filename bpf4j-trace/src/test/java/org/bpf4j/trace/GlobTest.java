package org.bpf4j.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Wildcards as {@link Glob} matches them; the last rows are stars the old translation
 * ({@code .*} per star) backtracked through for ever (found by fuzzing: {@code kprobe:***************sys_open}
 * never finished matching the kernel's functions).
 */
class GlobTest {
    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource(delimiter = '|', value = {
        "*|vfs_read|true",
        "vfs_*|vfs_read|true",
        "vfs_*|do_vfs_read|false",
        "*read|vfs_read|true",
        "*read|vfs_read_iter|false",
        "*read*|vfs_read_iter|true",
        "v?s_*|vfs_read|true",
        "v?s_*|vs_read|false",
        "*a*a|aa|true",
        "*a*a|a|false",
        "*ab*ab|abab|true",
        "*ab*ab|ababa|false",
        "a*b*c|abbbcbc|true",
        "a*b*c|abbbcb|false",
        "a**b|ab|true",
        "***************sys_open|__x64_sys_open|true",
        "***************sys_open|__x64_sys_openat_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|false",
        "*a*a*a*a*a*a*a*a*a*a*a*a*a*a*b|aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa|false",
        "a\\Eb*|a\\Ebc|true",
        "?\\E?|x\\Ey|true",
    })
    void matches(String glob, String text, boolean expected) {
        assertTimeoutPreemptively(Duration.ofSeconds(5),
                () -> assertEquals(expected, Glob.pattern(glob).matcher(text).matches()));
    }

    /** A name of 200,000 characters (fuzzing: one pattern node per character took seconds to compile). */
    @org.junit.jupiter.api.Test
    void longNames() {
        String name = "A".repeat(200_000);
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> {
            assertEquals(true, Glob.pattern(name).matcher(name).matches());
            assertEquals(true, Glob.pattern(name + "*").matcher(name + "B").matches());
        });
    }

    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource(delimiter = '|', value = {"a?c|a?c|true", "a?c|abc|false", "*?|x?|true", "***?|xy|false"})
    void starsOnly(String glob, String text, boolean expected) {
        assertEquals(expected, Glob.starsOnly(glob).matcher(text).matches());
    }
}
