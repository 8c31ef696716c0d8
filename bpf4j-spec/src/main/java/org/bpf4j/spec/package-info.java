/**
 * The eBPF catalog as data: helper functions and their prototypes, program types, attach types,
 * map types, libbpf's section-name conventions, which helpers each program type may call, and
 * the context each program type receives ({@link org.bpf4j.spec.ContextLayouts}: every field,
 * what a load of it gives and which loads and stores the kernel's verifier allows).
 *
 * <p>Everything here is immutable and thread-safe. The facts live in tab-separated resource files
 * beside these classes ({@code helpers.tsv}, {@code helper-variants.tsv},
 * {@code helper-availability.tsv}, {@code section-names.tsv}, {@code context-layouts.tsv},
 * {@code context-programs.tsv}); ids and names of the small kernel
 * enumerations live in the enums themselves. The assembler, verifier, interpreter, JIT and the
 * tracing compiler all read this one catalog.
 *
 * <p>Sources of the facts: the Linux UAPI header {@code include/uapi/linux/bpf.h} (helper, program,
 * attach and map type ids), the kernel's {@code struct bpf_func_proto} definitions and
 * {@code get_func_proto()} functions of Linux 6.12 (prototypes and availability), and libbpf's
 * section-name table. The data files were written for bpf4j; no kernel or libbpf code is copied.
 *
 * <p>Entry points: {@link org.bpf4j.spec.HelperCatalog#linux()},
 * {@link org.bpf4j.spec.SectionNames#resolve(String)}, {@link org.bpf4j.spec.ProgramType},
 * {@link org.bpf4j.spec.AttachType}, {@link org.bpf4j.spec.MapType},
 * {@link org.bpf4j.spec.ContextLayouts#forProgram(ProgramType, java.util.Optional, Arch)}.
 */
package org.bpf4j.spec;
