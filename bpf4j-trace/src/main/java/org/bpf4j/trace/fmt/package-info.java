/**
 * Current bpftrace's script formatter ({@code --fmt}): {@link org.bpf4j.trace.fmt.ScriptFormatter}
 * reads a script with a parser of its own that keeps what bpf4j's compiler does not need (comments,
 * blank lines, macros and imports as written, where every node was) and lays it out again.
 */
package org.bpf4j.trace.fmt;
