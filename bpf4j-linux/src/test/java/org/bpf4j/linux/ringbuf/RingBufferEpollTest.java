package org.bpf4j.linux.ringbuf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bpf4j.isa.AluOp;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;
import org.bpf4j.linux.Kernel;
import org.bpf4j.linux.KernelMap;
import org.bpf4j.linux.KernelProgram;
import org.bpf4j.linux.sys.Bpf;
import org.bpf4j.linux.testing.KernelTest;
import org.bpf4j.spec.MapType;
import org.bpf4j.spec.ProgramType;
import org.junit.jupiter.api.Test;

/** Records a program writes with bpf_ringbuf_output, read through the mmap'd ring. */
@KernelTest
class RingBufferEpollTest {
    private static Instruction mov(int dst, int imm) {
        return new Instruction.Alu(true, AluOp.MOV, dst, Operand.imm(imm));
    }

    @Test
    void recordsArriveInOrderAndEpollWakesUp() {
        Kernel k = Kernel.system();
        try (KernelMap ring = k.createMap("t_ring", MapType.RINGBUF, 0, 0, 4096, 0)) {
            // *(u64 *)(fp - 8) = 0x1234_5678 + skb->len (the input less its 14-byte Ethernet header);
            // ringbuf_output(ring, fp - 8, 8, 0)
            Code code = Code.of(
                    new Instruction.Load(Size.W, false, 2, 1, (short) 0),
                    new Instruction.Alu(true, AluOp.ADD, 2, Operand.imm(0x12345678)),
                    new Instruction.Store(Size.DW, 10, (short) -8, Operand.reg(2)),
                    new Instruction.LoadImm64(1, Imm64Kind.MAP_BY_FD, ring.fd(), 0),
                    new Instruction.Alu(true, AluOp.MOV, 2, Operand.reg(10)),
                    new Instruction.Alu(true, AluOp.ADD, 2, Operand.imm(-8)),
                    mov(3, 8), mov(4, 0),
                    Instruction.Call.helper(130),
                    mov(0, 0), new Instruction.Exit());
            Bpf.ProgLoad attr = new Bpf.ProgLoad(ProgramType.SOCKET_FILTER.id(), code.toBytes(), "GPL", 0, 0, 0, 0,
                    "t_ring", 0, 0, 0, new byte[0], new byte[0], 0, 0, new int[0]);
            try (KernelProgram p = k.loadProgram("t_ring", ProgramType.SOCKET_FILTER, attr);
                    RingBufferReader reader = RingBufferReader.open(ring)) {
                assertNull(reader.read(Duration.ofMillis(10)), "nothing written yet");
                for (int len : new int[] {20, 30, 40}) {
                    p.testRun(new KernelProgram.TestRun(new byte[len], 0, null, 0, 1, 0));
                }
                assertEquals(3 * 16, reader.available());
                List<Long> values = new ArrayList<>();
                int n = reader.poll(Duration.ofSeconds(1), s -> values.add(s.get(
                        java.lang.foreign.ValueLayout.JAVA_LONG_UNALIGNED, 0)));
                assertEquals(3, n);
                assertEquals(List.of(0x12345678L + 6, 0x12345678L + 16, 0x12345678L + 26), values);
                assertEquals(0, reader.available());
                p.testRun(new KernelProgram.TestRun(new byte[16], 0, null, 0, 1, 0));
                assertArrayEquals(new byte[] {0x7a, 0x56, 0x34, 0x12, 0, 0, 0, 0}, reader.read(Duration.ofSeconds(1)));
                assertNull(reader.read(Duration.ofMillis(5)));
            }
        }
    }
}
