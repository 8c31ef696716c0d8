package org.bpf4j.linux.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.bpf4j.linux.KernelIds;
import org.bpf4j.linux.sys.Bpf;

/**
 * What the kernel says about a link ({@code struct bpf_link_info}'s common head). Immutable.
 *
 * @param id the link's id
 * @param type the {@code bpf_link_type} number
 * @param programId the id of the program it holds
 */
public record LinkInfo(int id, int type, int programId) {
    private static final String[] TYPES = {"unspec", "raw_tracepoint", "tracing", "cgroup", "iter", "netns", "xdp",
        "perf_event", "kprobe_multi", "struct_ops", "netfilter", "tcx", "uprobe_multi", "netkit", "sockmap"};

    /** The link type's name as bpftool prints it ({@code perf_event}), or {@code type N} for an unknown one. */
    public String typeName() {
        return type >= 0 && type < TYPES.length ? TYPES[type] : "type " + type;
    }

    /** The info of the link behind a descriptor. */
    public static LinkInfo of(Bpf bpf, int linkFd) {
        byte[] b = new byte[64];
        bpf.objGetInfo(linkFd, b);
        ByteBuffer info = ByteBuffer.wrap(b).order(ByteOrder.nativeOrder());
        return new LinkInfo(info.getInt(4), info.getInt(0), info.getInt(8));
    }

    /** Every link in the kernel, by id ({@link KernelIds}); links that go away meanwhile are left out. */
    public static List<LinkInfo> list(Bpf bpf) {
        return KernelIds.all(bpf, KernelIds.Kind.LINK, LinkInfo::of);
    }
}
