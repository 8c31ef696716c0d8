package org.bpf4j.oracle;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.bpf4j.isa.Code;
import org.bpf4j.isa.Imm64Kind;
import org.bpf4j.isa.Instruction;
import org.bpf4j.isa.Operand;
import org.bpf4j.isa.Size;

/**
 * A generated program: the main function as a list of {@link Chunk}s, then one shared exit (R0
 * stored in the {@code result} map, then {@code exit}), then the subprograms that some chunk calls.
 * Immutable; {@link #code()} lays it out.
 *
 * @param id what identifies it: the campaign seed and the program's number, for reproduction
 * @param mode the generator's mode
 * @param chunks the main function's chunks (removed chunks are empty)
 * @param subprograms the subprograms' instructions, each ending in {@code exit}
 * @param input the initial bytes of the {@code mem} map's value ({@link Fixture#MEM_SIZE})
 * @param hazard for a program of {@link Mode#REJECT}, the unsafe construct inserted; empty otherwise
 * @param packet for an XDP program, its packet ({@code data_in}, at least 14 bytes); empty for a
 *     socket filter, whose packet is the input
 */
public record GeneratedProgram(String id, Mode mode, List<Chunk> chunks, List<List<Instruction>> subprograms,
        byte[] input, String hazard, byte[] packet) {

    /** What the generator aims for. */
    public enum Mode {
        /** Programs that the kernel's verifier should accept, with deterministic results. */
        ACCEPT,
        /** An accepted program with one unsafe (or doubtful) construct inserted. */
        REJECT
    }

    /** Checks and copies the components. */
    public GeneratedProgram {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(mode, "mode");
        Objects.requireNonNull(hazard, "hazard");
        chunks = List.copyOf(chunks);
        subprograms = subprograms.stream().map(List::copyOf).toList();
        input = input.clone();
        packet = packet.clone();
        if (input.length != Fixture.MEM_SIZE) {
            throw new IllegalArgumentException("input of " + input.length + " bytes");
        }
        if (packet.length != 0 && packet.length < Fixture.ETH_HLEN) {
            throw new IllegalArgumentException("an XDP packet of " + packet.length + " bytes (at least 14)");
        }
    }

    /** A socket filter (its packet is the input). */
    public GeneratedProgram(String id, Mode mode, List<Chunk> chunks, List<List<Instruction>> subprograms,
            byte[] input, String hazard) {
        this(id, mode, chunks, subprograms, input, hazard, new byte[0]);
    }

    /** Whether this is an XDP program (with its own packet) rather than a socket filter. */
    public boolean xdp() {
        return packet.length != 0;
    }

    /** A copy of the packet bytes (empty for a socket filter). */
    @Override
    public byte[] packet() {
        return packet.clone();
    }

    /** A copy of the input bytes. */
    @Override
    public byte[] input() {
        return input.clone();
    }

    /** The same program with chunk {@code index} removed (jumps to it go to the next chunk). */
    public GeneratedProgram withoutChunk(int index) {
        List<Chunk> c = new ArrayList<>(chunks);
        c.set(index, c.get(index).emptied());
        return new GeneratedProgram(id, mode, c, subprograms, input, hazard, packet);
    }

    /** The same program with other input bytes. */
    public GeneratedProgram withInput(byte[] bytes) {
        return new GeneratedProgram(id, mode, chunks, subprograms, bytes, hazard, packet);
    }

    /** The number of non-empty chunks. */
    public int liveChunks() {
        return (int) chunks.stream().filter(c -> !c.pieces().isEmpty()).count();
    }

    /** The shared exit of the main function: R0 stored in the result map, then exit. */
    static List<Instruction> exitSequence() {
        return List.of(new Instruction.LoadImm64(1, Imm64Kind.MAP_VALUE_BY_FD, Fixture.RESULT, 0),
                new Instruction.Store(Size.DW, 1, (short) 0, Operand.reg(0)), new Instruction.Exit());
    }

    /**
     * The program laid out: chunks in order, the exit sequence, then each subprogram that is called
     * (in index order). Map references are by index ({@link Fixture}).
     */
    public Code code() {
        int n = chunks.size();
        int[] start = new int[n + 1];
        int at = 0;
        for (int i = 0; i < n; i++) {
            start[i] = at;
            at += chunks.get(i).slots();
        }
        start[n] = at;
        int exitSlots = 0;
        for (Instruction i : exitSequence()) {
            exitSlots += i.slots();
        }
        boolean[] called = new boolean[subprograms.size()];
        for (Chunk c : chunks) {
            for (Piece p : c.pieces()) {
                if (p instanceof Piece.CallSub cs) {
                    called[cs.subprogram()] = true;
                }
            }
        }
        int[] subStart = new int[subprograms.size()];
        int s = at + exitSlots;
        for (int k = 0; k < subprograms.size(); k++) {
            subStart[k] = s;
            if (called[k]) {
                for (Instruction i : subprograms.get(k)) {
                    s += i.slots();
                }
            }
        }
        List<Instruction> out = new ArrayList<>();
        int slot = 0;
        for (int i = 0; i < n; i++) {
            for (Piece p : chunks.get(i).pieces()) {
                Instruction insn = switch (p) {
                    case Piece.Insn x -> x.insn();
                    case Piece.JumpTo j -> {
                        int off = start[Math.min(j.target(), n)] - (slot + 1);
                        yield j.op() == null ? new Instruction.Goto(false, off)
                                : new Instruction.Jump(j.wide(), j.op(), j.dst(), j.src(), (short) off);
                    }
                    case Piece.CallSub c -> Instruction.Call.local(subStart[c.subprogram()] - (slot + 1));
                };
                out.add(insn);
                slot += insn.slots();
            }
        }
        out.addAll(exitSequence());
        for (int k = 0; k < subprograms.size(); k++) {
            if (called[k]) {
                out.addAll(subprograms.get(k));
            }
        }
        return Code.of(out);
    }
}
