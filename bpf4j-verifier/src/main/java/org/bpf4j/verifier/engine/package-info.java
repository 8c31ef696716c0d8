/**
 * The exploration engine ({@link org.bpf4j.verifier.engine.Explorer}) and the transfer functions
 * of each instruction kind: arithmetic, branches, memory accesses, helper calls (checked against
 * the prototypes of {@code org.bpf4j.spec.HelperCatalog}), context access per program type.
 */
package org.bpf4j.verifier.engine;
