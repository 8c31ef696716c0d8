/**
 * Control-flow checks done before exploration: subprogram boundaries, jump ranges, the last
 * instruction of each function, reachability, and register liveness used by state pruning.
 */
package org.bpf4j.verifier.cfg;
