package org.bpf4j.trace.runtime;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.bpf4j.trace.codegen.Events;
import org.bpf4j.trace.sema.FormatString;
import org.bpf4j.trace.sema.Type;
import org.bpf4j.trace.symbols.KernelSymbols;
import org.bpf4j.trace.symbols.UserSymbols;

/** Decoding values from map and event bytes, and rendering them as bpftrace does. */
final class Values {
    private final Events events;
    /** The output whose form (text or JSON) values are rendered in. */
    private Output out;
    private final long bootToWallNanos;
    private UserSymbols userSymbols;
    /** Whether user stacks show source lines and inlined functions ({@code show_debug_info}). */
    private final boolean showDebugInfo;
    private boolean cppDemangle = true;
    /** Printed after a string that fills its whole size without a NUL ({@code str_trunc_trailer}). */
    private final String truncTrailer;
    /** The size of a string {@code str()} makes ({@code max_strlen}): only such a string is marked. */
    private final int strlen;
    private final DeferredText deferred = new DeferredText();
    private Backend.MapStore stacks;
    private Backend.MapStore buildIdStacks;

    private List<Path> probedBinaries = List.of();

    /** The binaries of the script's uprobes: symbols of a process that has exited are looked up there. */
    void probedBinaries(List<Path> binaries) {
        this.probedBinaries = List.copyOf(binaries);
    }

    /** Gives the stack map, for printing stacks. */
    /** The build-id stack map, where {@code ustack(build_id)} values are looked up. */
    void buildIdStacks(Backend.MapStore map) {
        this.buildIdStacks = map;
    }

    private Backend.MapStore dwarfStacks;

    /** Gives the map of the stacks {@code dw_ustack} unwound (ids with bit 30 set). */
    void dwarfStacks(Backend.MapStore map) {
        this.dwarfStacks = map;
    }

    /** Whether user-space C++ symbols are shown demangled ({@code cpp_demangle}). */
    void cppDemangle(boolean on) {
        this.cppDemangle = on;
    }

    private UserSymbols.Cache userSymbolCache = UserSymbols.Cache.PER_PROGRAM;

    /** What is kept of processes to resolve their addresses ({@code cache_user_symbols}). */
    void userSymbolCache(UserSymbols.Cache cache) {
        this.userSymbolCache = cache;
    }

    /** Keeps the memory maps of the processes the uprobes may fire in (pid: {@code -p}'s, or -1). */
    void preloadSymbols(int pid) {
        if (!probedBinaries.isEmpty() || pid > 0) {
            userSymbols().preload(pid);
        }
    }

    void stacks(Backend.MapStore map) {
        this.stacks = map;
    }

    /** Renders for {@code o} from now on (a test's text capture in JSON mode). */
    void useOutput(Output o) {
        this.out = o;
    }

    Values(Events events, Output out, long bootToWallNanos, boolean showDebugInfo, String truncTrailer, int strlen) {
        this.strlen = strlen;
        this.showDebugInfo = showDebugInfo;
        this.truncTrailer = truncTrailer;
        this.events = events;
        this.out = out;
        this.bootToWallNanos = bootToWallNanos;
    }

    static long u64(byte[] b, int off) {
        return ByteBuffer.wrap(b, off, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /** An integer as stored (64 bits) seen as its type. */
    static long asType(long v, Type.Int t) {
        return switch (t.bits()) {
            case 8 -> t.signed() ? (byte) v : v & 0xff;
            case 16 -> t.signed() ? (short) v : v & 0xffff;
            case 32 -> t.signed() ? (int) v : v & 0xffff_ffffL;
            default -> v;
        };
    }

    static String intText(long v, Type.Int t) {
        if (t.enumerators() != null && t.enumerators().containsKey(asType(v, t))) {
            return t.enumerators().get(asType(v, t)); // a value of an enum type: its enumerator's name
        }
        if (t.isPointer()) {
            return "0x" + Long.toHexString(v); // current bpftrace prints pointers in hex
        }
        if (t.bool()) {
            return asType(v, t) != 0 ? "true" : "false";
        }
        long x = asType(v, t);
        return t.signed() || t.bits() < 64 ? Long.toString(x) : Long.toUnsignedString(x);
    }

    /** A NUL-terminated string, one char per byte. */
    static String string(byte[] b, int off, int size) {
        int end = off;
        while (end < off + size && end < b.length && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.ISO_8859_1);
    }

    /**
     * A string value as printed: its bytes to the first NUL, followed by the trailer when it has
     * none in its {@code size} bytes and is as big as {@code str()}'s strings (current bpftrace's
     * mark of a string {@code str()} cut at {@code max_strlen}, which reads one byte more than the
     * string holds). A char array read as a string (a struct's {@code char s[5]}) is a string of its
     * own size, which current bpftrace types as an array and prints without the mark.
     */
    String text(byte[] b, int off, int size) {
        String s = string(b, off, size);
        return size == strlen && s.length() == size && off + size <= b.length ? s + truncTrailer : s;
    }

    /** The value for printf: Long for integers, String for everything printed with %s. */
    Object argument(Type t, byte[] b, int off) {
        return switch (t) {
            case Type.Int i -> asType(u64(b, off), i);
            case Type.Str s -> text(b, off, s.size());
            case Type.Buf x -> bufBytes(b, off, x, false);
            default -> render(t, b, off, false);
        };
    }

    /** A buffer's bytes: its length's worth, or for a map key ({@code whole}) its whole capacity. */
    static byte[] bufBytes(byte[] b, int off, Type.Buf t, boolean whole) {
        long len = whole ? t.capacity() : Math.min(Math.max(u64(b, off), 0), t.capacity());
        return Arrays.copyOfRange(b, off + 8, off + 8 + (int) len);
    }

    /** A bit field's value from the bytes at {@code at}. */
    private static long bits(byte[] b, int at, Type.RecordField f) {
        long v = 0;
        for (int k = f.loadSize() - 1; k >= 0; k--) {
            v = v << 8 | (at + k < b.length ? b[at + k] & 0xff : 0);
        }
        v >>>= f.bitShift();
        if (f.bitWidth() < 64) {
            v &= (1L << f.bitWidth()) - 1; // masked, not sign-extended even in a signed field, as bpftrace
        }
        return v;
    }

    /** An integer of its own size (not a stored 64-bit value) at {@code off}. */
    private static long signExtend(byte[] b, int at, Type.Int t) {
        ByteBuffer bb = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        return switch (t.size()) {
            case 1 -> b[at];
            case 2 -> bb.getShort(at);
            case 4 -> bb.getInt(at);
            default -> bb.getLong(at);
        };
    }

    /** A MAC address as bpftrace prints it: six upper-case hex bytes separated by colons. */
    static String mac(byte[] b, int off) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 6; i++) {
            sb.append(i == 0 ? "" : ":").append(String.format("%02X", b[off + i] & 0xff));
        }
        return sb.toString();
    }

    /** Renders a value as print() and map printing do (quoted strings in JSON when {@code quote}). */
    String render(Type t, byte[] b, int off, boolean quote) {
        return render(t, b, off, quote, out.json());
    }

    /** Renders a value in JSON form ({@code json}) or in text form, whatever the output's format. */
    private String render(Type t, byte[] b, int off, boolean quote, boolean json) {
        return switch (t) {
            case Type.Int i when i.isPointer() && json -> Long.toUnsignedString(u64(b, off)); // JSON has no hex
            case Type.Int i when i.enumerators() != null && json ->
                intText(u64(b, off), i.withEnumerators(null)); // JSON keeps an enum value's number
            case Type.Int i -> intText(u64(b, off), i);
            case Type.Str s -> quoted(text(b, off, s.size()), quote);
            case Type.Tuple tu -> {
                List<String> parts = new ArrayList<>();
                for (int k = 0; k < tu.elements().size(); k++) {
                    String v = render(tu.elements().get(k), b, off + tu.offset(k), json, json);
                    // a record's fields as a struct's: { .a = 1 } (JSON: an object)
                    parts.add(!tu.isRecord() ? v : json ? "\"" + Output.escape(tu.names().get(k)) + "\": " + v
                            : "." + tu.names().get(k) + " = " + v);
                }
                if (tu.isRecord()) {
                    yield json ? "{" + String.join(", ", parts) + "}" : "{ " + String.join(", ", parts) + " }";
                }
                yield json ? "[" + String.join(",", parts) + "]" : "(" + String.join(", ", parts) + ")";
            }
            case Type.ProbeName p -> quoted(events.probeNames().get((int) u64(b, off)), quote);
            case Type.Timestamp ts -> quoted(timestamp(b, off), quote);
            case Type.Stack st -> quoted(stack(st, b, off, 8), quote);
            case Type.Ksym k -> quoted(KernelSymbols.system().resolve(u64(b, off), false), quote);
            case Type.Usym u -> quoted(userSymbols().resolve((int) u64(b, off + 8), u64(b, off), false), quote);
            case Type.Inet i -> quoted(inet(b, off), quote);
            case Type.Deferred d -> quoted(deferred.text(d, u64(b, off)), quote);
            case Type.Buf x -> quoted(FormatString.hex(bufBytes(b, off, x, false), true, true), quote);
            // bpftrace 0.17 does not quote a MAC address in JSON.
            case Type.MacAddr x -> mac(b, off);
            case Type.Array a -> {
                List<String> parts = new ArrayList<>();
                for (int k = 0; k < a.count(); k++) {
                    int at = off + k * a.element().size();
                    parts.add(a.element() instanceof Type.Int i ? intText(signExtend(b, at, i), i)
                            : render(a.element(), b, at, json, json));
                }
                yield "[" + String.join(",", parts) + "]";
            }
            case Type.Record r -> {
                List<String> parts = new ArrayList<>();
                for (Type.RecordField f : r.fields()) {
                    int at = off + f.offset();
                    String v = switch (f.type()) {
                        case Type.Int i when f.isBitField() -> intText(bits(b, at, f), i);
                        case Type.Int i -> intText(signExtend(b, at, i), i);
                        case Type.None n -> "null"; // a floating-point field, as current bpftrace
                        default -> render(f.type(), b, at, json, json);
                    };
                    parts.add(json ? "\"" + f.name() + "\": " + v : "." + f.name() + " = " + v);
                }
                yield json ? "{" + String.join(", ", parts) + "}" : "{ " + String.join(", ", parts) + " }";
            }
            case Type.Agg a -> Long.toString(u64(b, off));
            case Type.StructRef s -> "";
            case Type.None n -> "";
        };
    }

    /**
     * A stack as bpftrace prints it: nothing for a stack that could not be read, else a newline and
     * one line per frame, {@code indent} spaces and {@code symbol+offset} (bpftrace mode) or a tab,
     * the address in hex and {@code symbol+offset} (perf mode).
     */
    String stack(Type.Stack st, byte[] b, int off, int indent) {
        // the id is the low half (the high half counts the frames when the script takes len() of a stack)
        int id = (int) u64(b, off);
        Backend.MapStore from = st.mode().equals("build_id") ? buildIdStacks : stacks;
        if (id >= 0 && (id & 0x40000000) != 0) {
            from = dwarfStacks; // unwound by dw_ustack
        }
        if (id < 0 || from == null) {
            return "";
        }
        byte[] key = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(id).array();
        byte[] frames = from.lookup(key).orElse(null);
        if (frames != null && st.mode().equals("build_id") && from != dwarfStacks) {
            return buildIdStack(st, frames);
        }
        if (frames == null) {
            return "";
        }
        int pid = st.user() ? (int) u64(b, off + 8) : 0;
        StringBuilder sb = new StringBuilder("\n");
        for (int i = 0; i < st.limit() && 8 * i + 8 <= frames.length; i++) {
            long addr = u64(frames, 8 * i);
            if (addr == 0) {
                break;
            }
            if (addr == -1) {
                // dw_ustack's walk could not go on (current bpftrace's line, in every mode)
                sb.append(" ".repeat(indent)).append("<unwind failure>\n");
                break;
            }
            if (st.mode().equals("raw")) {
                sb.append(Long.toHexString(addr)).append('\n'); // current bpftrace: no symbol, no indent
                continue;
            }
            if (st.user() && showDebugInfo) {
                // the functions inlined at the address first, then the one that holds them (current bpftrace)
                for (String frame : userSymbols().resolveWithSource(pid, addr, st.mode().equals("perf"))) {
                    if (st.mode().equals("perf")) {
                        sb.append('\t').append(Long.toHexString(addr)).append(' ').append(frame).append('\n');
                    } else {
                        sb.append(" ".repeat(indent)).append(frame).append('\n');
                    }
                }
                continue;
            }
            String sym = st.user() ? userSymbols().resolve(pid, addr, true, st.mode().equals("perf"))
                    : KernelSymbols.system().resolve(addr, true);
            if (st.mode().equals("perf")) {
                sb.append('\t').append(Long.toHexString(addr)).append(' ').append(sym).append('\n');
            } else {
                sb.append(" ".repeat(indent)).append(sym).append('\n');
            }
        }
        return sb.toString();
    }

    /**
     * A stack of {@code struct bpf_stack_build_id} frames as current bpftrace prints it: a frame
     * whose file has a build id as {@code BUILDID 0xOFFSET} (the offset in two digits at least), any
     * other as its address in hex; one a line, without indent.
     */
    private static String buildIdStack(Type.Stack st, byte[] frames) {
        ByteBuffer bb = ByteBuffer.wrap(frames).order(ByteOrder.LITTLE_ENDIAN);
        int size = Events.BUILD_ID_FRAME_BYTES;
        StringBuilder sb = new StringBuilder("\n");
        for (int i = 0; i < st.limit() && size * i + size <= frames.length; i++) {
            int at = size * i;
            int status = bb.getInt(at);
            long value = bb.getLong(at + 24);
            if (status == 0) {
                break; // BPF_STACK_BUILD_ID_EMPTY: the stack ended
            }
            if (status == 1) {
                sb.append(HexFormat.of().formatHex(frames, at + 4, at + 24)).append(" 0x")
                        .append(String.format("%02x", value)).append('\n');
            } else {
                sb.append(Long.toHexString(value)).append('\n');
            }
        }
        return sb.toString();
    }

    /** The memory map of a process as just read (its symbols once it has exited). */
    void processMaps(int pid, String maps) {
        userSymbols().remember(pid, maps);
    }

    private UserSymbols userSymbols() {
        if (userSymbols == null) {
            userSymbols = new UserSymbols(probedBinaries, cppDemangle, userSymbolCache);
        }
        return userSymbols;
    }

    /** An ntop() value, [family][16 bytes], as inet_ntop(3) prints it. */
    static String inet(byte[] b, int off) {
        long family = u64(b, off);
        int a = off + 8;
        if (family == 2) {
            return (b[a] & 0xff) + "." + (b[a + 1] & 0xff) + "." + (b[a + 2] & 0xff) + "." + (b[a + 3] & 0xff);
        }
        int[] words = new int[8];
        for (int i = 0; i < 8; i++) {
            words[i] = (b[a + 2 * i] & 0xff) << 8 | (b[a + 2 * i + 1] & 0xff);
        }
        int bestBase = -1;
        int bestLen = 0;
        for (int i = 0; i < 8;) {
            if (words[i] != 0) {
                i++;
                continue;
            }
            int j = i;
            while (j < 8 && words[j] == 0) {
                j++;
            }
            if (j - i > bestLen) {
                bestBase = i;
                bestLen = j - i;
            }
            i = j;
        }
        if (bestLen < 2) {
            bestBase = -1;
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLen) {
                if (i == bestBase) {
                    sb.append(':');
                }
                continue;
            }
            if (i != 0) {
                sb.append(':');
            }
            if (i == 6 && bestBase == 0 && (bestLen == 6 || bestLen == 5 && words[5] == 0xffff)) {
                sb.append(b[a + 12] & 0xff).append('.').append(b[a + 13] & 0xff).append('.').append(b[a + 14] & 0xff)
                        .append('.').append(b[a + 15] & 0xff);
                return sb.toString();
            }
            sb.append(Integer.toHexString(words[i]));
        }
        if (bestBase >= 0 && bestBase + bestLen == 8) {
            sb.append(':');
        }
        return sb.toString();
    }

    private static String quoted(String s, boolean quote) {
        return quote ? "\"" + Output.escape(s) + "\"" : s;
    }

    /** A strftime() value: [format index][nanoseconds since boot]. */
    String timestamp(byte[] b, int off) {
        String fmt = events.strftimeFormats().get((int) u64(b, off));
        long wall = u64(b, off + 8) + bootToWallNanos;
        Instant instant = Instant.ofEpochSecond(Math.floorDiv(wall, 1_000_000_000L), Math.floorMod(wall, 1_000_000_000L));
        return Strftime.format(fmt, instant.atZone(ZoneId.systemDefault()), Math.floorMod(wall, 1_000_000_000L));
    }

    /**
     * A map key as bpftrace shows it: text {@code [a, b]}, JSON {@code "a,b"}. As current bpftrace,
     * several keys are one tuple, and the key's text form loses its outer parentheses (a key that is
     * one tuple prints as several keys do); in JSON that text, spaces removed, is the key, even for a
     * tuple, record, pointer or enum inside it ({@code @k[(1, "x"), 5]}: {@code "(1,x),5"}).
     */
    String key(List<Type> keys, int[] offsets, byte[] b) {
        if (keys.isEmpty()) {
            return "";
        }
        List<String> parts = new ArrayList<>();
        for (int k = 0; k < keys.size(); k++) {
            parts.add(keys.get(k) instanceof Type.Stack st ? stack(st, b, offsets[k], 4)
                    : keys.get(k) instanceof Type.Buf x
                            ? FormatString.hex(bufBytes(b, offsets[k], x, true), true, true)
                    : render(keys.get(k), b, offsets[k], false, false)); // records as in values (current bpftrace)
        }
        String s = keys.size() == 1 ? parts.getFirst() : "(" + String.join(", ", parts) + ")";
        if (keys.size() > 1 || keys.getFirst() instanceof Type.Tuple tu && !tu.isRecord()) {
            s = s.substring(1, s.length() - 1);
        }
        return out.json() ? "\"" + Output.escape(s.replace(" ", "")) + "\"" : "[" + s + "]";
    }
}
