/**
 * The root of bpf4j: the exception hierarchy that every module shares.
 *
 * <p>{@link org.bpf4j.Bpf4jException} is the one unchecked root; subclasses say what went wrong
 * (malformed input, a runtime trap, an unsupported feature, ...). Their messages name what and
 * where, so a command-line tool can print them as they are, without a stack trace.
 */
package org.bpf4j;
