package org.bpf4j.vm.run;

import java.util.Arrays;
import java.util.Optional;
import org.bpf4j.spec.AttachType;
import org.bpf4j.spec.ContextLayout;
import org.bpf4j.spec.ContextLayouts;
import org.bpf4j.spec.ProgramType;
import org.bpf4j.vm.PacketBuffer;
import org.bpf4j.vm.VmProgram;
import org.bpf4j.vm.XdpContext;

/** The XDP test run ({@code bpf_prog_test_run_xdp}, without live frames). */
final class Xdp {
    private Xdp() {}

    /** {@code sizeof(struct xdp_md)}. */
    static final int MD_SIZE = 24;
    /** The largest linear part: {@code PAGE_SIZE - XDP_PACKET_HEADROOM - tailroom}. */
    static final int MAX_LINEAR = XdpContext.FRAME_SIZE - XdpContext.HEADROOM - XdpContext.TAILROOM;

    static TestRunResult run(VmProgram program, Optional<AttachType> attach, TestRunInput in) {
        if (attach.isPresent() && (attach.get() == AttachType.XDP_DEVMAP || attach.get() == AttachType.XDP_CPUMAP)) {
            throw new TestRunException(TestRun.EINVAL, "the kernel does not test-run XDP programs for devmap or cpumap");
        }
        byte[] data = in.data();
        int metaLength = 0;
        int linear = data.length;
        long ingress = 1;
        long queue = 0;
        byte[] md = null;
        if (in.context().isPresent()) {
            md = TestRun.zeroPadded(in.context(), MD_SIZE, "struct xdp_md");
            long mdData = TestRun.u32(md, 0);
            long mdEnd = TestRun.u32(md, 4);
            if (TestRun.u32(md, 8) != 0) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.data_meta must be 0 (the metadata starts the data)");
            }
            if (mdEnd > data.length) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.data_end " + mdEnd + " is past the "
                        + data.length + " bytes of data");
            }
            if (mdData > mdEnd) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.data " + mdData + " is past data_end " + mdEnd);
            }
            if ((mdData & 3) != 0 || mdData > XdpContext.META_MAX || mdData > XdpContext.HEADROOM - XdpContext.XDP_FRAME_SIZE) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.data " + mdData
                        + " is not a valid metadata length (a multiple of 4, at most 252)");
            }
            metaLength = (int) mdData;
            linear = (int) mdEnd;
            if (TestRun.u32(md, 20) != 0) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.egress_ifindex must be 0");
            }
            ingress = TestRun.u32(md, 12);
            queue = TestRun.u32(md, 16);
            if (ingress == 0 && queue != 0) {
                throw new TestRunException(TestRun.EINVAL, "ctx_in: xdp_md.rx_queue_index needs an ingress_ifindex");
            }
            if (ingress == 0) {
                ingress = 1;
            }
        }
        linear = Math.min(linear, MAX_LINEAR);
        if (data.length - metaLength < TestRun.ETH_HLEN) {
            throw new TestRunException(TestRun.EINVAL, "data_in has " + (data.length - metaLength)
                    + " bytes of packet, less than an Ethernet header (14)");
        }
        // the device is looked up after the data is (xdp_convert_md_to_buff after bpf_test_init)
        if (ingress > 1) {
            throw new TestRunException(TestRun.ENODEV, "ctx_in: xdp_md.ingress_ifindex " + ingress
                    + ": the VM has no network device but the loopback device (ifindex 1)");
        }
        byte[] frags = Arrays.copyOfRange(data, linear, data.length);
        PacketBuffer frame = XdpContext.frame(Arrays.copyOf(data, linear), metaLength);
        ContextLayout layout = ContextLayouts.forProgram(ProgramType.XDP, attach).orElseThrow();
        XdpContext ctx = new XdpContext(layout, frame, ingress, queue);
        ctx.setFragments(frags);
        TestRun.Timed t = TestRun.repeat(program, ctx, in.repeat());
        byte[] linearOut = frame.copy(frame.meta(), frame.end());
        byte[] fragsOut = ctx.fragments();
        byte[] out = Arrays.copyOf(linearOut, linearOut.length + fragsOut.length);
        System.arraycopy(fragsOut, 0, out, linearOut.length, fragsOut.length);
        Optional<byte[]> ctxOut = Optional.empty();
        if (md != null) {
            TestRun.put32(md, 0, frame.data() - frame.meta());
            TestRun.put32(md, 4, frame.end() - frame.meta());
            ctxOut = Optional.of(md);
        }
        return new TestRunResult(t.retval(), out, ctxOut, t.nanos(), ctx.redirect());
    }
}
