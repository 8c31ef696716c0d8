package org.bpf4j.linux;

import org.bpf4j.Bpf4jException;

/**
 * A map declared as pinned by name is already pinned, but the pinned map differs from the
 * declaration (type, key or value size, max_entries or flags), so it cannot be reused. The
 * message names the object, the map, the pin and every difference.
 */
public class IncompatiblePinException extends Bpf4jException {
    /** An exception with a complete message. */
    public IncompatiblePinException(String message) {
        super(message);
    }
}
