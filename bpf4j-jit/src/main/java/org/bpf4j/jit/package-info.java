/**
 * The JIT: compiles eBPF programs to JVM bytecode with {@code java.lang.classfile}, loaded as
 * hidden classes, so that HotSpot turns them into native code.
 */
package org.bpf4j.jit;
