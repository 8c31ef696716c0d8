package org.bpf4j.vm;

import org.bpf4j.spec.ContextLayout;

/**
 * The context of an XDP program, {@code struct xdp_md} over an {@code xdp_buff}: a frame of
 * {@link #FRAME_SIZE} bytes as {@code BPF_PROG_TEST_RUN} builds it, with {@link #HEADROOM} bytes of
 * headroom (of which the first {@link #XDP_FRAME_SIZE} are reserved for the kernel's
 * {@code struct xdp_frame}) and {@link #TAILROOM} bytes reserved at the end for
 * {@code struct skb_shared_info}. The adjust helpers move the bounds with the kernel's limits.
 */
public final class XdpContext extends PacketContext {
    /** {@code PAGE_SIZE}: the frame of a test run. */
    public static final int FRAME_SIZE = 4096;
    /** {@code XDP_PACKET_HEADROOM}. */
    public static final int HEADROOM = 256;
    /** {@code sizeof(struct xdp_frame)}, reserved at the frame's start. */
    public static final int XDP_FRAME_SIZE = 40;
    /** {@code SKB_DATA_ALIGN(sizeof(struct skb_shared_info))}, reserved at the frame's end. */
    public static final int TAILROOM = 320;
    /** {@code ETH_HLEN}: the smallest packet the adjust helpers leave. */
    public static final int ETH_HLEN = 14;
    /** The largest metadata: {@code skb_shared_info.meta_len} is a u8. */
    public static final int META_MAX = 255;

    /**
     * A context over {@code packet} with the given {@code ingress_ifindex} and {@code rx_queue_index}.
     *
     * @param layout {@code xdp_md} or its devmap variant
     */
    public XdpContext(ContextLayout layout, PacketBuffer packet, long ingressIfindex, long rxQueueIndex) {
        super(layout, packet);
        set("ingress_ifindex", ingressIfindex);
        set("rx_queue_index", rxQueueIndex);
    }

    /** The bytes of the fragments after the linear part (a multi-buffer frame), which only helpers reach. */
    private byte[] fragments = new byte[0];

    /** The fragments' bytes (live: helpers write them). */
    public byte[] fragments() {
        return fragments;
    }

    /** Gives the frame fragments after its linear part (a test run's data past {@code data_end}). */
    public void setFragments(byte[] bytes) {
        fragments = bytes.clone();
    }

    /** {@code n} bytes from {@code off} of the packet: the linear part, then the fragments (the caller checked the range). */
    byte[] bytes(int off, int n) {
        PacketBuffer p = packet();
        byte[] out = new byte[n];
        int linear = p.length();
        int inLinear = Math.max(0, Math.min(n, linear - off));
        if (inLinear > 0) {
            System.arraycopy(p.window(), p.data() - p.meta() + off, out, 0, inLinear);
        }
        if (inLinear < n) {
            System.arraycopy(fragments, off + inLinear - linear, out, inLinear, n - inLinear);
        }
        return out;
    }

    /** Writes {@code src} at {@code off} of the packet: the linear part, then the fragments (the caller checked the range). */
    void setBytes(int off, byte[] src) {
        PacketBuffer p = packet();
        int linear = p.length();
        int inLinear = Math.max(0, Math.min(src.length, linear - off));
        if (inLinear > 0) {
            System.arraycopy(src, 0, p.window(), p.data() - p.meta() + off, inLinear);
        }
        if (inLinear < src.length) {
            System.arraycopy(src, inLinear, fragments, off + inLinear - linear, src.length - inLinear);
        }
    }

    /**
     * A test run's frame: {@code bytes} (metadata then packet) placed so that the packet starts
     * {@link #HEADROOM} bytes into the frame.
     */
    public static PacketBuffer frame(byte[] bytes, int metaLength) {
        return new PacketBuffer(FRAME_SIZE, HEADROOM - metaLength, bytes, metaLength);
    }

    /** {@code bpf_xdp_adjust_head}: moves the packet's start by {@code offset} bytes, carrying the metadata along. */
    public long adjustHead(int offset) {
        PacketBuffer p = packet();
        int metaLength = p.data() - p.meta();
        int newData = p.data() + offset;
        if (newData < XDP_FRAME_SIZE + metaLength || newData > p.end() - ETH_HLEN) {
            p.invalidatePointers();
            return -PacketHelpers.EINVAL;
        }
        // editFrame, not sync: the window must not be copied back over the moved metadata
        byte[] f = p.editFrame();
        if (metaLength > 0) {
            System.arraycopy(f, p.meta(), f, p.meta() + offset, metaLength);
        }
        p.setBounds(p.meta() + offset, newData, p.end());
        return 0;
    }

    /**
     * {@code bpf_xdp_adjust_tail}: moves the packet's end by {@code offset} bytes; grown bytes are
     * zero. On a frame with fragments the last fragment's end moves instead (Linux's
     * {@code bpf_xdp_frags_increase_tail} and {@code _shrink_tail}).
     */
    public long adjustTail(int offset) {
        PacketBuffer p = packet();
        if (fragments.length > 0) {
            p.invalidatePointers();
            return offset < 0 ? shrinkFragments(-offset) : growFragments(offset);
        }
        int newEnd = p.end() + offset;
        if (newEnd > FRAME_SIZE - TAILROOM || newEnd < p.data() + ETH_HLEN) {
            p.invalidatePointers();
            return -PacketHelpers.EINVAL;
        }
        p.sync();
        if (offset > 0) {
            java.util.Arrays.fill(p.frame(), p.end(), newEnd, (byte) 0);
        }
        p.setBounds(p.meta(), p.data(), newEnd);
        return 0;
    }

    /**
     * Grows the last fragment into the rest of its page: a test run's fragments are pages of
     * {@link #FRAME_SIZE} bytes (the queue's {@code frag_size}), all full but the last.
     */
    private long growFragments(int offset) {
        int last = fragments.length % FRAME_SIZE == 0 ? FRAME_SIZE : fragments.length % FRAME_SIZE;
        if (offset > FRAME_SIZE - last) {
            return -PacketHelpers.EINVAL;
        }
        fragments = java.util.Arrays.copyOf(fragments, fragments.length + offset);
        return 0;
    }

    /**
     * Shrinks the fragments from the last, freeing the ones it empties; once none is left, the
     * rest of {@code offset} comes off the linear part. At least {@link #ETH_HLEN} bytes stay. A
     * negative amount (an offset of {@code Integer.MIN_VALUE}) changes nothing, as in Linux.
     */
    private long shrinkFragments(int offset) {
        PacketBuffer p = packet();
        if (offset > p.length() + fragments.length - ETH_HLEN) {
            return -PacketHelpers.EINVAL;
        }
        if (offset <= 0) {
            return 0;
        }
        int fromFragments = Math.min(offset, fragments.length);
        fragments = java.util.Arrays.copyOf(fragments, fragments.length - fromFragments);
        int rest = offset - fromFragments;
        if (fragments.length == 0 && rest > 0) {
            p.sync();
            p.setBounds(p.meta(), p.data(), p.end() - rest);
        }
        return 0;
    }

    /** {@code bpf_xdp_adjust_meta}: moves the metadata's start by {@code offset} bytes. */
    public long adjustMeta(int offset) {
        PacketBuffer p = packet();
        int newMeta = p.meta() + offset;
        if (newMeta < XDP_FRAME_SIZE || newMeta > p.data()) {
            p.invalidatePointers();
            return -PacketHelpers.EINVAL;
        }
        int metaLength = p.data() - newMeta;
        if ((metaLength & 3) != 0 || metaLength > META_MAX) {
            p.invalidatePointers();
            return -PacketHelpers.EACCES;
        }
        p.setBounds(newMeta, p.data(), p.end());
        return 0;
    }
}
