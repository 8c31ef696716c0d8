package org.bpf4j.verifier.engine;

import org.bpf4j.verifier.AccessFacts;
import org.bpf4j.verifier.domain.RegState;

/**
 * Collects {@link AccessFacts} while the engine explores: {@link MemoryAccess} reports each
 * access it has checked, at the slot the engine is executing, and the collector joins it with
 * what earlier paths recorded there. Only accesses that passed every check are reported (a path
 * that fails one rejects the program, and a rejected program has no facts), so each recorded
 * access is proved in bounds except where its region is not memory the program owns
 * ({@code struct bpf_map}, sockets), which {@link #record} marks unproved. Pruned paths record
 * nothing below the state that covered them; see {@link AccessFacts} for why that is sound.
 */
final class FactsCollector {
    private final AccessFacts.Access[] bySlot;
    /** The slot of the instruction being executed. */
    int slot;

    FactsCollector(int slots) {
        bySlot = new AccessFacts.Access[slots];
    }

    /**
     * Records an access of {@code insnOff} from pointer {@code p}, which points into the frame of
     * the running function when {@code currentFrame}.
     */
    void record(RegState.Pointer p, int insnOff, boolean currentFrame) {
        AccessFacts.Region region = switch (p.type()) {
            case STACK -> currentFrame ? AccessFacts.Region.STACK : AccessFacts.Region.CALLER_STACK;
            case CTX -> AccessFacts.Region.CTX;
            case MAP_VALUE -> AccessFacts.Region.MAP_VALUE;
            case MAP_KEY -> AccessFacts.Region.MAP_KEY;
            case CONST_MAP_PTR -> AccessFacts.Region.MAP_STRUCT;
            case PACKET -> AccessFacts.Region.PACKET;
            case PACKET_META -> AccessFacts.Region.PACKET_META;
            case MEM -> p.map() == RegState.Pointer.INPUT_MEMORY ? AccessFacts.Region.INPUT : AccessFacts.Region.MEMORY;
            case RINGBUF_MEM -> AccessFacts.Region.RINGBUF;
            case SOCKET, SOCK_COMMON, TCP_SOCK -> AccessFacts.Region.SOCKET;
            case BTF_ID -> AccessFacts.Region.KERNEL_OBJECT;
            case PACKET_END, FUNC, CONST_DYNPTR -> throw new IllegalStateException("no access through " + p.typeName());
        };
        // the struct bpf_map and sockets are the kernel's objects, which the verifier models
        // only partly: an access there is allowed, not proved inside memory the program owns
        boolean proved = region != AccessFacts.Region.MAP_STRUCT && region != AccessFacts.Region.SOCKET
                && region != AccessFacts.Region.KERNEL_OBJECT;
        long base = (long) p.off() + insnOff;
        AccessFacts.Access a = AccessFacts.Access.of(region, proved, base + p.var().smin(), base + p.var().smax());
        AccessFacts.Access old = bySlot[slot];
        if (old == null || !old.equals(a)) {
            bySlot[slot] = old == null ? a : old.join(a);
        }
    }

    /** The facts collected. */
    AccessFacts facts() {
        return AccessFacts.of(bySlot);
    }
}
