package org.bpf4j.vm;

import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayout;

/**
 * The context of a program that sees a socket buffer, {@code struct __sk_buff} in the variant of
 * its program type. The packet is the buffer's linear data; {@code len} follows it as the helpers
 * change it. Stores follow the kernel's rewrites: {@code tc_index} and {@code tc_classid} keep 16
 * bits, a {@code queue_mapping} of 0xffff or more is ignored. {@code sk} reads as a pointer to the
 * socket given at construction ({@code struct bpf_sock}), or null without one.
 */
public final class SkbContext extends PacketContext {
    private final LayoutContext socket;
    private final boolean dataEndComputed;
    private long socketAddress;
    private long hash;

    /**
     * A context over {@code packet} (whose data starts the linear part), with the socket the
     * buffer belongs to, or null.
     *
     * @param dataEndComputed whether {@code data_end} was computed for this run; the kernel's test
     *     run does it only for tc and lwt programs, so a cgroup_skb program there reads 0
     */
    public SkbContext(ContextLayout layout, PacketBuffer packet, LayoutContext socket, boolean dataEndComputed) {
        super(layout, packet);
        this.socket = socket;
        this.dataEndComputed = dataEndComputed;
        packetChanged();
    }

    @Override
    public long attach(Memory m) {
        long addr = super.attach(m);
        socketAddress = socket == null ? 0 : m.addContext("socket", socket);
        return addr;
    }

    @Override
    void packetChanged() {
        set("len", packet().length());
    }

    /** The flow hash ({@code skb->hash}); 0 until a helper computes or sets it. */
    public long hash() {
        return hash;
    }

    void setHash(long h) {
        hash = h & 0xffff_ffffL;
        set("hash", hash);
    }

    @Override
    protected long pointer(ContextField field, int slot) {
        return switch (field.kind()) {
            case SOCK_COMMON_OR_NULL, SOCKET, SOCKET_OR_NULL -> socketAddress;
            case PACKET_END -> dataEndComputed ? super.pointer(field, slot) : 0;
            case SCALAR, PACKET, PACKET_META, FLOW_KEYS, TP_BUFFER, BTF_ID -> super.pointer(field, slot);
        };
    }

    private long queueMapping;

    @Override
    protected void stored(ContextField field, int offset, int size, long value) {
        switch (field.name()) {
            case "tc_index", "tc_classid" -> set(field.name(), value & 0xffff);
            case "queue_mapping" -> {
                if (Long.compareUnsigned(value, 0xffff) >= 0) {
                    set("queue_mapping", queueMapping);
                } else {
                    queueMapping = value & 0xffff;
                    set("queue_mapping", queueMapping);
                }
            }
            default -> {
            }
        }
    }
}
