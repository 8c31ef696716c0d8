/**
 * The verifier's input built from a parsed object ({@code ObjectSpec}): the maps as the verifier
 * sees them, the global functions and kernel functions named by the object's BTF. The verifier
 * itself does not depend on the object model; this is the one place where the two meet, used by
 * {@code bpf4j verify} and by the verifier's tests on real objects.
 */
package org.bpf4j.verifier.objects;
