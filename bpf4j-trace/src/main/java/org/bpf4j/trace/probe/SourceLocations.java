package org.bpf4j.trace.probe;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.bpf4j.trace.Diagnostics;
import org.bpf4j.trace.ast.AttachPoint;
import org.bpf4j.trace.symbols.Dwarf;

/**
 * Uprobes on a source location, {@code uprobe:BINARY@FILE:LINE[:COLUMN]}: the address of the
 * line from the binary's DWARF line table (wherever its debug information is), then the function
 * that holds the address and the offset in it, as current bpftrace places them.
 */
final class SourceLocations {
    private SourceLocations() {}

    /** Whether an attach point's target names a source location ({@code BINARY@FILE}). */
    static boolean isSourceLocation(List<String> parts) {
        return !parts.isEmpty() && parts.getFirst().indexOf('@') >= 0;
    }

    /** Resolves a source-location uprobe, reporting in bpftrace's words what does not resolve. */
    static void resolve(AttachPoint ap, ProbeSource source, Diagnostics diags, Map<AttachPoint, Resolved> out,
            Function<String, Path> binaryOf) {
        List<String> parts = ap.parts();
        String target = parts.getFirst();
        int at = target.lastIndexOf('@');
        String binaryName = target.substring(0, at);
        String file = target.substring(at + 1);
        if (binaryName.contains("*") || binaryName.contains("?")) {
            diags.error(ap.span(), "Cannot use wildcards with source code location");
            return;
        }
        if (ap.provider().equals("uretprobe")) {
            diags.error(ap.span(), "Source code location not allowed");
            return;
        }
        if ((parts.size() != 2 && parts.size() != 3) || file.isEmpty() || parts.get(1).isEmpty()) {
            diags.error(ap.span(), "Invalid uprobe arguments, expected format: uprobe:TARGET@FILE:LINE[:COL]");
            return;
        }
        if (!parts.get(1).matches("[0-9]+")) {
            diags.error(ap.span(), "Invalid line number: '" + parts.get(1) + "' is not a valid unsigned integer");
            return;
        }
        if (parts.size() == 3 && !parts.get(2).matches("[0-9]+")) {
            diags.error(ap.span(), "Invalid column number: '" + parts.get(2) + "' is not a valid unsigned integer");
            return;
        }
        int line = Integer.parseInt(parts.get(1));
        int column = parts.size() == 3 ? Integer.parseInt(parts.get(2)) : 0;
        if (binaryName.isEmpty()) {
            diags.error(ap.span(), "Unspecified target binary, cannot attach by source code location.");
            return;
        }
        Path binary;
        Dwarf dwarf;
        try {
            binary = binaryOf.apply(binaryName);
            dwarf = Dwarf.cached(binary);
        } catch (RuntimeException e) {
            binary = null; // no such file: no debug info either, as current bpftrace says
            dwarf = null;
        }
        if (dwarf == null || !dwarf.available()) {
            diags.error(ap.span(), "No DWARF debug info found for '" + binaryName
                    + "', cannot attach by source code location.");
            return;
        }
        long address;
        try {
            address = dwarf.lineAddress(file, line, column);
        } catch (IllegalArgumentException e) {
            diags.error(ap.span(), e.getMessage());
            return;
        }
        Optional<Map.Entry<String, Long>> fn = source.functionAt(binary.toString(), address);
        if (fn.isEmpty()) {
            diags.error(ap.span(), "Could not resolve address: " + binary + ":0x" + Long.toHexString(address));
            return;
        }
        long offset = fn.get().getValue();
        String problem = offset == 0 ? null : source.uprobeOffsetProblem(binary.toString(), fn.get().getKey(), offset);
        if (problem != null) {
            diags.error(ap.span(), problem);
            return;
        }
        out.put(ap, new Resolved.Uprobe(binary, fn.get().getKey(), false, offset));
    }
}
