package org.bpf4j.object;

import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bpf4j.MalformedInputException;
import org.bpf4j.isa.Code;
import org.bpf4j.object.btf.CoreRelocation;
import org.bpf4j.object.btf.FuncInfo;
import org.bpf4j.object.btf.LineInfo;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.spec.SectionDef;

/**
 * A program of an object file, linked: its own instructions followed by the {@code .text}
 * functions it calls, with call offsets fixed as libbpf fixes them. Map and extern references are
 * listed as data; the instructions that hold them stay loader-neutral (see {@link MapReference},
 * {@link ExternReference}). Function info, line info and CO-RE relocations are given relative to
 * the linked program. Immutable and thread-safe.
 *
 * @param name the program's function symbol
 * @param sectionName the ELF section it is in, such as {@code kprobe/do_unlinkat} or {@code xdp}
 * @param sectionDef the section-name convention the section follows, which gives the program type
 *     and expected attach type; empty for names no convention matches (cilium's {@code from-netdev},
 *     {@code 2/7}; {@code .text} programs of objects without program sections)
 * @param code the linked instructions
 * @param ownSlots slots of the program's own function, before the appended subprograms
 * @param subprograms the appended {@code .text} functions, in order
 * @param mapReferences the instructions that load a map or an address in a map's value
 * @param externReferences the instructions that call or load a symbol the loader provides
 * @param funcInfos BTF function info (empty without {@code .BTF.ext})
 * @param lineInfos BTF line info (empty without {@code .BTF.ext})
 * @param coreRelocations CO-RE relocations to resolve against a target BTF before loading
 * @param license the object's license string
 * @param kernelVersion the object's {@code version} section, 0 if absent
 * @param global whether the function symbol is global (false for a {@code static} program)
 * @param defect why the program cannot be loaded although the object parses, as libbpf would open
 *     it and the kernel refuse it: an instruction the instruction set does not define (such as a
 *     register above r10), or a relocation against a symbol the symbol table cannot give. Then
 *     {@code code} is empty, {@code ownSlots} still counts the program's raw instructions, and
 *     {@link #requireLinked()} refuses the program with this message. Empty for a sound program.
 */
public record ProgramSpec(String name, String sectionName, Optional<SectionDef> sectionDef, Code code, int ownSlots,
        List<Subprogram> subprograms, List<MapReference> mapReferences, List<ExternReference> externReferences,
        List<FuncInfo> funcInfos, List<LineInfo> lineInfos, List<CoreRelocation> coreRelocations, String license,
        int kernelVersion, boolean global, Optional<String> defect) {

    /** A sound program (no {@link #defect()}). */
    public ProgramSpec(String name, String sectionName, Optional<SectionDef> sectionDef, Code code, int ownSlots,
            List<Subprogram> subprograms, List<MapReference> mapReferences, List<ExternReference> externReferences,
            List<FuncInfo> funcInfos, List<LineInfo> lineInfos, List<CoreRelocation> coreRelocations, String license,
            int kernelVersion, boolean global) {
        this(name, sectionName, sectionDef, code, ownSlots, subprograms, mapReferences, externReferences, funcInfos,
                lineInfos, coreRelocations, license, kernelVersion, global, Optional.empty());
    }

    /** Checks and copies the components. */
    public ProgramSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(sectionName, "sectionName");
        Objects.requireNonNull(sectionDef, "sectionDef");
        Objects.requireNonNull(code, "code");
        Objects.requireNonNull(license, "license");
        Objects.requireNonNull(defect, "defect");
        subprograms = List.copyOf(subprograms);
        mapReferences = List.copyOf(mapReferences);
        externReferences = List.copyOf(externReferences);
        funcInfos = List.copyOf(funcInfos);
        lineInfos = List.copyOf(lineInfos);
        coreRelocations = List.copyOf(coreRelocations);
    }

    /** The program type the section name implies. */
    public Optional<ProgramType> programType() {
        return sectionDef.map(SectionDef::programType);
    }

    /** The expected attach type the section name implies. */
    public Optional<AttachType> expectedAttachType() {
        return sectionDef.flatMap(SectionDef::expectedAttachType);
    }

    /** The attach target written in the section name ({@code do_unlinkat} in {@code kprobe/do_unlinkat}). */
    public Optional<String> attachTarget() {
        return sectionDef.flatMap(d -> d.target(sectionName));
    }

    /** Whether the license lets the program call GPL-only helpers, by the kernel's rule. */
    public boolean gplCompatible() {
        return Licenses.gplCompatible(license);
    }

    /** The source position of the instruction at a slot: the last line info at or before it. */
    public Optional<LineInfo> lineAt(int slot) {
        LineInfo best = null;
        for (LineInfo l : lineInfos) {
            if (l.slot() <= slot && (best == null || l.slot() >= best.slot())) {
                best = l;
            }
        }
        return Optional.ofNullable(best);
    }

    /**
     * Checks that the program has no {@link #defect()} and that every symbol it refers to is
     * defined in the object or declared as a kernel symbol a loader can resolve; loaders call this
     * before loading.
     *
     * @return this program
     * @throws UnresolvedSymbolException naming the first undefined symbol and the instruction
     * @throws MalformedInputException with the defect's message if the program has one
     */
    public ProgramSpec requireLinked() {
        if (defect.isPresent()) {
            throw new MalformedInputException("program '" + name + "' (section '" + sectionName + "') cannot be "
                    + "loaded: " + defect.get());
        }
        for (ExternReference x : externReferences) {
            if (!x.declared()) {
                String what = x.kind() == ExternReference.Kind.FUNCTION ? "calls undefined function"
                        : "loads the address of undefined symbol";
                throw new UnresolvedSymbolException(x.name(), "program '" + name + "' (section '" + sectionName
                        + "'): instruction " + x.slot() + " " + what + " '" + x.name() + "', which the object does "
                        + "not define and its BTF does not declare as a kernel symbol (__ksym); the program cannot "
                        + "be loaded");
            }
        }
        return this;
    }

    /** The same program with other code, as CO-RE relocation produces. */
    public ProgramSpec withCode(Code newCode) {
        return new ProgramSpec(name, sectionName, sectionDef, newCode, ownSlots, subprograms, mapReferences,
                externReferences, funcInfos, lineInfos, coreRelocations, license, kernelVersion, global, defect);
    }
}
