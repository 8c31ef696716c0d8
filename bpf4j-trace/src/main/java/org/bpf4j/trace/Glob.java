package org.bpf4j.trace;

import java.util.regex.Pattern;

/**
 * Wildcards of attach points and of filters ({@code *} any text, {@code ?} any one character) as
 * regular expressions that match in time linear in the text per star. A plain translation
 * ({@code *} as {@code .*}) backtracks through every way of splitting the text between the stars,
 * which for a dozen stars in a row ({@code kprobe:************open}) never ends. Here each star but
 * the last takes the shortest text after which its following part matches, and keeps it: the
 * leftmost place of a part leaves the most text for the parts after it, so no other split can
 * match where that one fails. Stateless.
 */
public final class Glob {
    private Glob() {}

    /** The regular expression of {@code glob}, for {@link java.util.regex.Matcher#matches()}. */
    public static Pattern pattern(String glob) {
        return compile(glob, true);
    }

    /** As {@link #pattern}, for wildcards whose only special character is {@code *} ({@code ?} is itself). */
    public static Pattern starsOnly(String glob) {
        return compile(glob, false);
    }

    private static Pattern compile(String glob, boolean questionMark) {
        String[] parts = glob.split("\\*+", -1);
        StringBuilder re = new StringBuilder(literal(parts[0], questionMark));
        for (int i = 1; i < parts.length; i++) {
            if (i < parts.length - 1) {
                re.append("(?>.*?").append(literal(parts[i], questionMark)).append(')');
            } else {
                re.append(".*").append(literal(parts[i], questionMark));
            }
        }
        return Pattern.compile(re.toString(), Pattern.DOTALL);
    }

    /** A part without stars: {@code ?} any character (if {@code questionMark}), the rest stands for itself. */
    private static String literal(String part, boolean questionMark) {
        // runs of plain characters quoted in groups of at most 256: java.util.regex builds one long
        // literal in time quadratic in its length (seconds for a name of 100,000 characters)
        StringBuilder re = new StringBuilder();
        int from = 0;
        for (int i = 0; i <= part.length(); i++) {
            if (i == part.length() || questionMark && part.charAt(i) == '?') {
                for (int k = from; k < i; k += 256) {
                    re.append("(?:").append(Pattern.quote(part.substring(k, Math.min(i, k + 256)))).append(')');
                }
                if (i < part.length()) {
                    re.append('.');
                }
                from = i + 1;
            }
        }
        return re.toString();
    }
}
