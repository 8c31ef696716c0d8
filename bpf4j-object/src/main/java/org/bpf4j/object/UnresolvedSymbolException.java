package org.bpf4j.object;

import org.bpf4j.MalformedInputException;

/**
 * A program refers to a symbol that neither the object nor the loader defines, such as a call of
 * {@code memset} that the compiler did not inline: the object cannot be linked. The message names
 * the file, the program and the symbol; {@link #symbol()} gives the symbol.
 */
public class UnresolvedSymbolException extends MalformedInputException {
    private final String symbol;

    /** An exception for {@code symbol}, with a message that names the place. */
    public UnresolvedSymbolException(String symbol, String message) {
        super(message);
        this.symbol = symbol;
    }

    /** The symbol that could not be resolved. */
    public String symbol() {
        return symbol;
    }
}
