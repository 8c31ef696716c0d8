package org.bpf4j.cli;

import java.util.Iterator;
import java.util.List;
import java.util.stream.Collectors;
import org.bpf4j.jit.Jit;
import org.bpf4j.vm.Interpreter;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * The engines {@code --engine} can name: one line each. The first is the default.
 */
final class Engines {
    /** Every engine, the default first. */
    static final List<Backend> ALL = List.of(
            new VmBackend(Interpreter.INSTANCE, "the VM's interpreter"),
            new VmBackend(Jit.INSTANCE, "the JIT: eBPF compiled to JVM bytecode"),
            new KernelBackend());

    /** The name of the default engine. */
    static final String DEFAULT = "interp";

    private Engines() {}

    /** The names of all engines, comma-separated. */
    static String names() {
        return ALL.stream().map(Backend::name).collect(Collectors.joining(", "));
    }

    /** The engine with a name. */
    static Backend byName(String name) {
        for (Backend b : ALL) {
            if (b.name().equals(name)) {
                return b;
            }
        }
        throw new TypeConversionException("unknown engine '" + name + "' (valid engines: " + names() + ")");
    }

    /** Converts an {@code --engine} value; an unknown name is a usage error listing the valid ones. */
    static final class Converter implements ITypeConverter<Backend> {
        @Override
        public Backend convert(String value) {
            return byName(value);
        }
    }

    /** The engine names, for help texts and shell completion. */
    static final class Names implements Iterable<String> {
        @Override
        public Iterator<String> iterator() {
            return ALL.stream().map(Backend::name).iterator();
        }
    }
}
