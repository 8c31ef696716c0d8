/**
 * Object files: {@link org.bpf4j.object.ObjectFile} reads an eBPF ELF object into an immutable
 * {@link org.bpf4j.object.ObjectSpec} of linked {@link org.bpf4j.object.ProgramSpec}s,
 * {@link org.bpf4j.object.MapSpec}s, BTF and externs, which either backend loads. No system calls.
 *
 * <p>How it relates to libbpf:
 * <ul>
 * <li>Programs are the {@code STT_FUNC} symbols of executable sections other than {@code .text}
 *     (several per section; static ones too, which libbpf 1.x refuses); {@code .text} functions are
 *     subprograms appended on use. Objects whose only code is in {@code .text} have their
 *     {@code .text} functions as programs, and objects from compilers that emitted no function
 *     symbols have one program per global symbol or per section, as the legacy loaders did.
 * <li>Section names are resolved with {@link org.bpf4j.spec.SectionNames}; names no convention
 *     matches (Cilium's {@code from-netdev}, {@code 2/7}) are kept, with no program type.
 * <li>The legacy {@code maps} section (and {@code maps/*}) is read, which libbpf 1.x refuses;
 *     see {@code LegacyMaps} for the layouts.
 * <li>A call of an undefined function that BTF does not declare as a kernel function (falco's
 *     {@code memset}) does not fail the parse: the program carries an undeclared
 *     {@link org.bpf4j.object.ExternReference} and {@link org.bpf4j.object.ProgramSpec#requireLinked()}
 *     refuses it, so the other programs of the object stay usable.
 * <li>Damage libbpf tolerates is tolerated the same way: symbols nothing needs may be unreadable
 *     (name outside the string table, section that does not exist); a malformed {@code .BTF} that
 *     no BTF map, struct_ops section or extern needs is dropped, a malformed {@code .BTF.ext} too
 *     (both listed in {@link org.bpf4j.object.ObjectSpec#warnings()}). Instructions are copied
 *     unjudged, as libbpf copies them: an undecodable instruction (register above r10, truncated
 *     {@code lddw}) or a jump out of its function, and a relocation against a symbol that cannot be
 *     read, make that program's {@link org.bpf4j.object.ProgramSpec#defect()}, which
 *     {@code requireLinked()} reports at load time; the object's other programs stay usable.
 * <li>Map and extern references are data ({@link org.bpf4j.object.MapReference},
 *     {@link org.bpf4j.object.ExternReference}) and the {@code lddw}s stay loader-neutral
 *     ({@code MAP_BY_INDEX}, {@code MAP_VALUE_BY_INDEX}); CO-RE relocations are applied for a
 *     chosen target BTF by {@link org.bpf4j.object.CoreRelocator}; {@code .kconfig} values by
 *     {@link org.bpf4j.object.Kconfig}.
 * </ul>
 * Not read yet: {@code .struct_ops} maps, arena ({@code .addr_space.1}) data, jump tables
 * ({@code .jumptables}), {@code .ksyms} module BTF ids, big-endian objects.
 */
package org.bpf4j.object;
