package org.bpf4j.vm;

import java.util.Arrays;

/**
 * The bytes of a packet with the room around it, as the kernel keeps them for XDP ({@code xdp_buff})
 * and socket buffers: a frame with headroom, the metadata, the packet data and tailroom. Indices
 * into the frame: {@code meta <= data <= end}.
 *
 * <p>A program sees the window {@code [meta, end)} as a region of its sandbox ({@link #attach}).
 * When a helper changes the packet's bounds, or may have moved it (every helper the kernel's
 * verifier treats as changing packet data), {@link #setBounds} retires the old region and opens a
 * new one, so packet pointers loaded before the call trap instead of reading stale bytes: the
 * kernel's verifier would have refused a program that used them. Bytes outside the window belong
 * to the frame and survive moves of the bounds, as in the kernel.
 *
 * <p>Not thread-safe: one per run.
 */
public final class PacketBuffer {
    private byte[] frame;
    private int meta;
    private int data;
    private int end;
    private Memory memory;
    private boolean writable;
    private long window;
    private byte[] windowBytes;

    /**
     * A frame of {@code frameSize} bytes holding {@code bytes} at {@code start}; the metadata is
     * the first {@code metaLength} of them.
     */
    public PacketBuffer(int frameSize, int start, byte[] bytes, int metaLength) {
        if (start < 0 || metaLength < 0 || metaLength > bytes.length || start + bytes.length > frameSize) {
            throw new IllegalArgumentException("a packet of " + bytes.length + " bytes at " + start
                    + " does not fit a frame of " + frameSize);
        }
        frame = new byte[frameSize];
        System.arraycopy(bytes, 0, frame, start, bytes.length);
        meta = start;
        data = start + metaLength;
        end = start + bytes.length;
    }

    /** Index of the first metadata byte in the frame. */
    public int meta() {
        return meta;
    }

    /** Index of the first packet byte in the frame. */
    public int data() {
        return data;
    }

    /** Index just past the last packet byte. */
    public int end() {
        return end;
    }

    /** Bytes in the frame. */
    public int frameSize() {
        return frame.length;
    }

    /** Bytes of packet data ({@code end - data}). */
    public int length() {
        return end - data;
    }

    /**
     * Makes the window visible in {@code m} (writable by the program or not) and returns the
     * address of its first byte (the metadata). Done at the start of every run; regions of earlier
     * runs are gone with the memory's reset.
     */
    public long attach(Memory m, boolean writableByProgram) {
        detach();
        memory = m;
        writable = writableByProgram;
        openWindow();
        return window;
    }

    private void openWindow() {
        windowBytes = Arrays.copyOfRange(frame, meta, end);
        window = memory.add("packet", windowBytes, writable);
    }

    /** Copies the window's bytes (which the program may have written) back into the frame. */
    public void sync() {
        if (windowBytes != null) {
            System.arraycopy(windowBytes, 0, frame, meta, windowBytes.length);
        }
    }

    /** Ends the window of the current run, copying its bytes back. */
    public void detach() {
        sync();
        windowBytes = null;
        memory = null;
        window = 0;
    }

    /** Address of the metadata (the window's start), 0 when not attached. */
    public long metaAddress() {
        return window;
    }

    /** Address of the packet data. */
    public long dataAddress() {
        return window == 0 ? 0 : window + (data - meta);
    }

    /** Address just past the packet data. */
    public long endAddress() {
        return window == 0 ? 0 : window + (end - meta);
    }

    /** The bytes the program can see now ({@code [meta, end)} of the frame); live while attached. */
    public byte[] window() {
        return windowBytes != null ? windowBytes : Arrays.copyOfRange(frame, meta, end);
    }

    /** A copy of the frame's bytes {@code [from, to)}, with the program's writes. */
    public byte[] copy(int from, int to) {
        sync();
        return Arrays.copyOfRange(frame, from, to);
    }

    /**
     * The frame itself, for helpers that move bytes before changing bounds. Call {@link #sync()}
     * first and {@link #setBounds} after: the window is a copy.
     */
    byte[] frame() {
        return frame;
    }

    /**
     * The frame, for a helper that writes it directly: the window's bytes are copied back first and
     * the window stops being copied back (its region stays readable until the helper calls
     * {@link #setBounds} or {@link #invalidatePointers}, which it must, and which open a new window
     * over the edited frame).
     */
    byte[] editFrame() {
        sync();
        windowBytes = null;
        return frame;
    }

    /**
     * Moves the bounds (growing the frame at its end when {@code newEnd} passes it) and, when
     * attached, retires the program's window and opens a new one: the packet pointers the
     * program holds are invalid afterwards, as the kernel's verifier decides after such a helper.
     */
    public void setBounds(int newMeta, int newData, int newEnd) {
        if (newMeta < 0 || newMeta > newData || newData > newEnd) {
            throw new IllegalArgumentException("packet bounds " + newMeta + ", " + newData + ", " + newEnd);
        }
        sync();
        if (newEnd > frame.length) {
            frame = Arrays.copyOf(frame, newEnd);
        }
        meta = newMeta;
        data = newData;
        end = newEnd;
        if (memory != null) {
            memory.retire(window);
            openWindow();
        }
    }

    /**
     * Makes sure at least {@code n} bytes of headroom precede the window ({@code skb_cow_head}):
     * when fewer do, the frame grows at its head and every frame index moves by the returned amount
     * (0 when the headroom sufficed). The window keeps its bytes; callers move indices they keep.
     */
    int ensureHeadroom(int n) {
        if (meta >= n) {
            return 0;
        }
        sync();
        int grow = n - meta;
        byte[] f = new byte[frame.length + grow];
        System.arraycopy(frame, 0, f, grow, frame.length);
        frame = f;
        meta += grow;
        data += grow;
        end += grow;
        return grow;
    }

    /** Retires the program's window and opens a new one over the same bounds (a helper that may have moved the packet). */
    public void invalidatePointers() {
        setBounds(meta, data, end);
    }
}
