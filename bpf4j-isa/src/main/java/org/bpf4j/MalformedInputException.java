package org.bpf4j;

/**
 * Input that does not follow its format: an invalid instruction encoding, an assembly line that
 * does not parse, a truncated file. The message names the place (file, line, instruction index).
 */
public class MalformedInputException extends Bpf4jException {
    /** An exception whose message already names the place. */
    public MalformedInputException(String message) {
        super(message);
    }

    /** An exception whose message already names the place, with its cause. */
    public MalformedInputException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The same problem with a source prefixed to the message, such as a file name:
     * {@code prefix + ": " + message}.
     */
    public MalformedInputException in(String prefix) {
        MalformedInputException e = new MalformedInputException(prefix + ": " + getMessage(), this);
        return e;
    }
}
