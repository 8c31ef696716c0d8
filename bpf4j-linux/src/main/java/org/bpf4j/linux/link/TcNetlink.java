package org.bpf4j.linux.link;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.bpf4j.linux.KernelException;
import org.bpf4j.linux.sys.Errno;
import org.bpf4j.linux.sys.Posix;

/**
 * The rtnetlink messages of classic tc attachment, as {@code tc qdisc add dev X clsact} and
 * {@code tc filter add dev X ingress bpf direct-action fd N} send them: a {@code clsact} qdisc
 * and a {@code bpf} filter on its ingress or egress hook, and their removal. One netlink socket,
 * opened in the calling thread's network namespace and kept for the removal. Not thread-safe.
 */
final class TcNetlink implements AutoCloseable {
    private static final int RTM_NEWQDISC = 36;
    private static final int RTM_DELQDISC = 37;
    private static final int RTM_NEWTFILTER = 44;
    private static final int RTM_DELTFILTER = 45;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLM_F_ACK = 4;
    private static final int NLM_F_EXCL = 0x200;
    private static final int NLM_F_CREATE = 0x400;
    private static final int NLMSG_ERROR = 2;
    private static final int TCA_KIND = 1;
    private static final int TCA_OPTIONS = 2;
    private static final int TCA_BPF_FD = 6;
    private static final int TCA_BPF_NAME = 7;
    private static final int TCA_BPF_FLAGS = 8;
    private static final int TCA_BPF_FLAG_ACT_DIRECT = 1;
    /** {@code TC_H_CLSACT}, the clsact qdisc's parent. */
    private static final int TC_H_CLSACT = 0xFFFFFFF1;
    /** The clsact qdisc's handle, {@code TC_H_MAKE(TC_H_CLSACT, 0)}. */
    private static final int CLSACT_HANDLE = 0xFFFF0000;
    private static final int TC_H_MIN_INGRESS = 0xFFF2;
    private static final int TC_H_MIN_EGRESS = 0xFFF3;
    private static final int ETH_P_ALL = 3;

    private final int socket;
    private int seq = 1;

    TcNetlink() {
        this.socket = Posix.socket(Posix.AF_NETLINK, Posix.SOCK_RAW | Posix.SOCK_CLOEXEC, Posix.NETLINK_ROUTE);
    }

    /** The filter's parent: the clsact hook. */
    static int parent(boolean ingress) {
        return CLSACT_HANDLE | (ingress ? TC_H_MIN_INGRESS : TC_H_MIN_EGRESS);
    }

    /**
     * Adds the clsact qdisc to an interface.
     *
     * @return true if this call created it, false if it was there already
     */
    boolean addClsact(int ifindex) {
        ByteBuffer m = message(RTM_NEWQDISC, NLM_F_CREATE | NLM_F_EXCL, ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0);
        string(m, TCA_KIND, "clsact");
        int err = request(m);
        if (err == Errno.EEXIST) {
            return false;
        }
        check(err, "adding the clsact qdisc to ifindex " + ifindex);
        return true;
    }

    /** Removes the clsact qdisc (and its filters). */
    void deleteClsact(int ifindex) {
        ByteBuffer m = message(RTM_DELQDISC, 0, ifindex, CLSACT_HANDLE, TC_H_CLSACT, 0);
        string(m, TCA_KIND, "clsact");
        check(request(m), "removing the clsact qdisc of ifindex " + ifindex);
    }

    /** Adds a direct-action bpf filter with a handle and priority. */
    void addFilter(int ifindex, boolean ingress, int handle, int priority, int progFd, String name) {
        ByteBuffer m = message(RTM_NEWTFILTER, NLM_F_CREATE | NLM_F_EXCL, ifindex, handle, parent(ingress),
                info(priority));
        string(m, TCA_KIND, "bpf");
        int nest = m.position();
        m.putShort((short) 0).putShort((short) TCA_OPTIONS);
        u32(m, TCA_BPF_FD, progFd);
        string(m, TCA_BPF_NAME, name);
        u32(m, TCA_BPF_FLAGS, TCA_BPF_FLAG_ACT_DIRECT);
        m.putShort(nest, (short) (m.position() - nest));
        check(request(m), "adding a bpf filter to " + (ingress ? "ingress" : "egress") + " of ifindex " + ifindex);
    }

    /** Removes the filter {@link #addFilter} added. */
    void deleteFilter(int ifindex, boolean ingress, int handle, int priority) {
        ByteBuffer m = message(RTM_DELTFILTER, 0, ifindex, handle, parent(ingress), info(priority));
        string(m, TCA_KIND, "bpf");
        int err = request(m);
        if (err != Errno.ENOENT && err != Errno.ENODEV) {
            check(err, "removing the bpf filter of ifindex " + ifindex);
        }
    }

    private static int info(int priority) {
        int proto = Short.toUnsignedInt(Short.reverseBytes((short) ETH_P_ALL));
        return (priority << 16) | proto;
    }

    private ByteBuffer message(int type, int flags, int ifindex, int handle, int parent, int info) {
        ByteBuffer m = ByteBuffer.allocate(512).order(ByteOrder.nativeOrder());
        m.putInt(0).putShort((short) type).putShort((short) (NLM_F_REQUEST | NLM_F_ACK | flags)).putInt(seq++)
                .putInt(0);
        m.put((byte) 0).put((byte) 0).putShort((short) 0).putInt(ifindex).putInt(handle).putInt(parent).putInt(info);
        return m;
    }

    private static void align(ByteBuffer m) {
        while (m.position() % 4 != 0) {
            m.put((byte) 0);
        }
    }

    private static void string(ByteBuffer m, int type, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        m.putShort((short) (4 + b.length + 1)).putShort((short) type).put(b).put((byte) 0);
        align(m);
    }

    private static void u32(ByteBuffer m, int type, int v) {
        m.putShort((short) 8).putShort((short) type).putInt(v);
    }

    /** Sends a request and returns the errno of its acknowledgement (0 for success). */
    private int request(ByteBuffer m) {
        m.putInt(0, m.position());
        byte[] out = new byte[m.position()];
        m.get(0, out);
        Posix.send(socket, out, 0);
        while (true) {
            byte[] in = Posix.recv(socket, 8192, 0);
            ByteBuffer r = ByteBuffer.wrap(in).order(ByteOrder.nativeOrder());
            int at = 0;
            while (at + 16 <= in.length) {
                int len = r.getInt(at);
                int type = Short.toUnsignedInt(r.getShort(at + 4));
                if (type == NLMSG_ERROR && at + 20 <= in.length) {
                    return -r.getInt(at + 16);
                }
                if (len < 16) {
                    break;
                }
                at += (len + 3) & ~3;
            }
        }
    }

    private static void check(int errno, String what) {
        if (errno != 0) {
            throw new KernelException("netlink(NETLINK_ROUTE)", errno, what);
        }
    }

    @Override
    public void close() {
        org.bpf4j.linux.sys.NativeBpf.INSTANCE.close(socket);
    }
}
