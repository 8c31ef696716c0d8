package org.bpf4j.cli;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;

/**
 * bpf4j trace's text is bytes, as bpftrace's: a script, the strings it prints and the strings it
 * reads from traced programs hold one char per byte (ISO-8859-1), so that a UTF-8 {@code "—"} in a
 * script, or a file name in any encoding, reaches the output as the same bytes. These are the two
 * ends of that: the command line's arguments made bytes again, and standard streams that write each
 * char as its byte.
 */
final class Bytes {
    private Bytes() {}

    /**
     * The bytes of a command-line argument, one char per byte: the JVM decoded the argument with
     * the platform's encoding ({@code sun.jnu.encoding}); this encodes it back.
     *
     * @param arg the argument as the JVM gave it
     * @return its bytes as chars
     */
    static String ofArgument(String arg) {
        String enc = System.getProperty("sun.jnu.encoding");
        Charset cs;
        try {
            cs = enc == null ? Charset.defaultCharset() : Charset.forName(enc);
        } catch (IllegalArgumentException e) {
            cs = Charset.defaultCharset();
        }
        return new String(arg.getBytes(cs), StandardCharsets.ISO_8859_1);
    }

    /**
     * A print stream on a file descriptor that writes each char as one byte (chars above 0xff,
     * which bpf4j's own messages do not hold, as '?').
     *
     * @param fd {@link FileDescriptor#out} or {@link FileDescriptor#err}
     * @return the stream
     */
    static PrintStream stream(FileDescriptor fd) {
        return new PrintStream(new BufferedOutputStream(new FileOutputStream(fd), 8192), fd == FileDescriptor.err,
                StandardCharsets.ISO_8859_1);
    }
}
