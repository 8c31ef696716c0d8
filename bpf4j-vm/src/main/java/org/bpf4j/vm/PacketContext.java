package org.bpf4j.vm;

import java.util.Optional;
import org.bpf4j.spec.ContextField;
import org.bpf4j.spec.ContextLayout;

/**
 * A context over a packet ({@code xdp_md}, {@code __sk_buff}): loads of its packet fields give
 * pointers into the {@link PacketBuffer}'s window, and the packet helpers reach the packet through
 * it. It also records where a redirect helper sent the packet, for the test run to report.
 *
 * <p>Not thread-safe: one per run.
 */
public abstract sealed class PacketContext extends LayoutContext permits XdpContext, SkbContext {
    /**
     * Where {@code bpf_redirect} or {@code bpf_redirect_map} sent the packet.
     *
     * @param ifindex the target interface (or the key in the map)
     * @param flags   the helper's flags
     * @param mapName the map's name for {@code bpf_redirect_map}, else empty
     */
    public record Redirect(long ifindex, long flags, Optional<String> mapName) {}

    private final PacketBuffer packet;
    private Redirect redirect;

    PacketContext(ContextLayout layout, PacketBuffer packet) {
        super(layout);
        this.packet = packet;
    }

    /** The packet. */
    public final PacketBuffer packet() {
        return packet;
    }

    /** The last redirect a helper recorded in this run, if any. */
    public final Optional<Redirect> redirect() {
        return Optional.ofNullable(redirect);
    }

    final void redirect(Redirect r) {
        redirect = r;
    }

    /** Forgets the redirect of an earlier run. */
    public final void clearRedirect() {
        redirect = null;
    }

    @Override
    protected long pointer(ContextField field, int slot) {
        return switch (field.kind()) {
            case PACKET -> packet.dataAddress();
            case PACKET_END -> packet.endAddress();
            case PACKET_META -> packet.metaAddress();
            case SCALAR, SOCKET, SOCKET_OR_NULL, SOCK_COMMON_OR_NULL, FLOW_KEYS, TP_BUFFER, BTF_ID ->
                    super.pointer(field, slot);
        };
    }

    /** Makes this context and its packet visible in {@code m}; returns the context's address (R1). */
    public long attach(Memory m) {
        packet.attach(m, true);
        return m.addContext(layout().name(), this);
    }

    /** Called by the helpers after they changed the packet, to refresh fields that follow it. */
    void packetChanged() {
    }
}
