package org.bpf4j.trace.symbols;

import static org.bpf4j.trace.symbols.CxxNodes.expand;
import static org.bpf4j.trace.symbols.CxxNodes.paramList;
import static org.bpf4j.trace.symbols.CxxNodes.qualify;
import static org.bpf4j.trace.symbols.CxxNodes.reference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bpf4j.trace.symbols.CxxNodes.Array;
import org.bpf4j.trace.symbols.CxxNodes.Encoding;
import org.bpf4j.trace.symbols.CxxNodes.Function;
import org.bpf4j.trace.symbols.CxxNodes.Indirect;
import org.bpf4j.trace.symbols.CxxNodes.MemberPointer;
import org.bpf4j.trace.symbols.CxxNodes.Node;
import org.bpf4j.trace.symbols.CxxNodes.Pack;
import org.bpf4j.trace.symbols.CxxNodes.ParamSub;
import org.bpf4j.trace.symbols.CxxNodes.Prefixed;
import org.bpf4j.trace.symbols.CxxNodes.Qualified;
import org.bpf4j.trace.symbols.CxxNodes.Qualifiers;
import org.bpf4j.trace.symbols.CxxNodes.Special;
import org.bpf4j.trace.symbols.CxxNodes.Template;
import org.bpf4j.trace.symbols.CxxNodes.Text;
import org.bpf4j.trace.symbols.CxxNodes.Unsupported;

/**
 * Demangles C++ symbol names of the Itanium C++ ABI ({@code _ZN13WorkerThreads13create_workerEj}
 * to {@code WorkerThreads::create_worker(unsigned int)}), written as GNU's demangler writes them
 * ({@code c++filt}, libstdc++'s {@code __cxa_demangle}, which bpftrace's symbolizers use): template
 * arguments separated by {@code ", "} with {@code > >} between nested closing brackets,
 * qualifiers after the type ({@code char const*}), clones as {@code [clone .constprop.0]}.
 *
 * <p>Covers names (nested, local, templates, substitutions, constructors and destructors,
 * operators, ABI tags, lambdas and unnamed types), types (builtin, qualified, pointers,
 * references, functions, arrays, pointers to members, packs) and the special names (vtables,
 * typeinfo, thunks, guard variables). A name using what it does not read (template argument
 * expressions other than literals, {@code decltype}) is not demangled: {@link #demangle} returns
 * null and callers keep the mangled name, so nothing is shown wrong.
 */
public final class CxxDemangler {
    private final String in;
    private int pos;
    /** The substitution candidates, in the order the ABI numbers them. */
    private final List<Node> subs = new ArrayList<>();
    /** The template arguments {@code T_}, {@code T0_}... refer to. */
    private List<Node> templateArgs = List.of();
    private int templateDepth;
    /** Guards against pathological inputs (deep nesting). */
    private int depth;

    private CxxDemangler(String in) {
        this.in = in;
    }

    /**
     * The demangled form of a mangled name ({@code _Z...}, also with a clone suffix such as
     * {@code .constprop.0}), or null when {@code name} is not one or uses a form this demangler does
     * not read.
     */
    public static String demangle(String name) {
        if (name == null || !name.startsWith("_Z") || name.length() > 4096) {
            return null;
        }
        CxxDemangler d = new CxxDemangler(name);
        try {
            d.pos = 2;
            Node n = d.encoding(true);
            StringBuilder out = new StringBuilder(n.text());
            d.cloneSuffixes(out);
            if (d.pos != d.in.length()) {
                return null;
            }
            return out.toString();
        } catch (RuntimeException | StackOverflowError e) {
            return null;
        }
    }

    /** The name as it should be shown: demangled when it can be, else as given. */
    public static String readable(String name) {
        String d = demangle(name);
        return d == null ? name : d;
    }

    // ---------------------------------------------------------------- reading

    private char peek() {
        return pos < in.length() ? in.charAt(pos) : '\0';
    }

    private char peek(int ahead) {
        return pos + ahead < in.length() ? in.charAt(pos + ahead) : '\0';
    }

    private boolean consume(String s) {
        if (in.startsWith(s, pos)) {
            pos += s.length();
            return true;
        }
        return false;
    }

    private void expect(char c) {
        if (peek() != c) {
            throw new Unsupported();
        }
        pos++;
    }

    private void enter() {
        if (++depth > 256) {
            throw new Unsupported();
        }
    }

    private void leave() {
        depth--;
    }

    /** {@code <number>}: decimal, {@code n} for negative; returned as text. */
    private String number() {
        boolean neg = consume("n");
        int digits = pos;
        while (Character.isDigit(peek())) {
            pos++;
        }
        if (pos == digits) {
            throw new Unsupported();
        }
        return (neg ? "-" : "") + in.substring(digits, pos);
    }

    private int count() {
        int start = pos;
        while (Character.isDigit(peek())) {
            pos++;
        }
        if (pos == start || pos - start > 9) {
            throw new Unsupported();
        }
        return Integer.parseInt(in.substring(start, pos));
    }

    /** {@code <encoding>}: a function (name and parameter types), a data name or a special name. */
    private Node encoding(boolean top) {
        return encoding(top, true);
    }

    /**
     * {@code <encoding>}; {@code withReturn}: whether a function template's return type is shown
     * (not for the function a local name is in).
     */
    private Node encoding(boolean top, boolean withReturn) {
        enter();
        int savedDepth = templateDepth;
        templateDepth = 0;
        try {
            char c = peek();
            if (c == 'T' || (c == 'G' && (peek(1) == 'V' || peek(1) == 'T'))) {
                return specialName();
            }
            List<Node> outerArgs = templateArgs;
            pendingQuals = "";
            Node name = name();
            char n = peek();
            if (n == '\0' || n == 'E' || n == '.' || (!top && n == '_')) {
                pendingQuals = "";
                templateArgs = top ? templateArgs : outerArgs;
                return name; // a data name
            }
            String quals = pendingQuals;
            pendingQuals = "";
            Node ret = null;
            if (name.isTemplate() && !name.noReturnType()) {
                ret = type();
            }
            List<Node> params = bareParams();
            Node e = new Encoding(name, withReturn ? ret : null, params, quals);
            if (!top) {
                templateArgs = outerArgs;
            }
            return e;
        } finally {
            templateDepth = savedDepth;
            leave();
        }
    }

    /** The cv- and ref-qualifiers of the nested name just read, printed after a method's parameters. */
    private String pendingQuals = "";

    private List<Node> bareParams() {
        List<Node> params = new ArrayList<>();
        while (pos < in.length() && peek() != 'E' && peek() != '.' && peek() != '_') {
            params.add(type());
        }
        if (params.isEmpty()) {
            throw new Unsupported();
        }
        return params;
    }

    private void cloneSuffixes(StringBuilder out) {
        while (peek() == '.' && (Character.isLowerCase(peek(1)) || peek(1) == '_' || Character.isDigit(peek(1)))) {
            int start = pos;
            pos++;
            if (Character.isDigit(peek())) {
                while (Character.isDigit(peek())) {
                    pos++;
                }
            } else {
                while (Character.isLowerCase(peek()) || peek() == '_') {
                    pos++;
                }
            }
            while (peek() == '.' && Character.isDigit(peek(1))) {
                pos++;
                while (Character.isDigit(peek())) {
                    pos++;
                }
            }
            out.append(" [clone ").append(in, start, pos).append(']');
        }
    }

    private Node specialName() {
        if (consume("TV")) {
            return new Prefixed("vtable for ", type());
        }
        if (consume("TT")) {
            return new Prefixed("VTT for ", type());
        }
        if (consume("TI")) {
            return new Prefixed("typeinfo for ", type());
        }
        if (consume("TS")) {
            return new Prefixed("typeinfo name for ", type());
        }
        if (consume("TH")) {
            return new Prefixed("TLS init function for ", name());
        }
        if (consume("TW")) {
            return new Prefixed("TLS wrapper function for ", name());
        }
        if (consume("Th")) {
            number();
            expect('_');
            return new Prefixed("non-virtual thunk to ", encoding(false));
        }
        if (consume("Tv")) {
            number();
            expect('_');
            number();
            expect('_');
            return new Prefixed("virtual thunk to ", encoding(false));
        }
        if (consume("Tc")) {
            callOffset();
            callOffset();
            return new Prefixed("covariant return thunk to ", encoding(false));
        }
        if (consume("TC")) {
            Node derived = type();
            number();
            expect('_');
            Node base = type();
            return new Prefixed("construction vtable for ", new Text(base.text() + "-in-" + derived.text()));
        }
        if (consume("GV")) {
            return new Prefixed("guard variable for ", name());
        }
        if (consume("GTt")) {
            return new Prefixed("transaction clone for ", encoding(false));
        }
        if (consume("GTn")) {
            return new Prefixed("non-transaction clone for ", encoding(false));
        }
        throw new Unsupported();
    }

    private void callOffset() {
        if (consume("h")) {
            number();
            expect('_');
        } else if (consume("v")) {
            number();
            expect('_');
            number();
            expect('_');
        } else {
            throw new Unsupported();
        }
    }

    /** {@code <name>}. */
    private Node name() {
        enter();
        try {
            char c = peek();
            if (c == 'N') {
                return nestedName();
            }
            if (c == 'Z') {
                return localName();
            }
            Node n;
            boolean substituted = false;
            if (c == 'S' && peek(1) != 't') {
                n = substitution();
                substituted = true;
            } else {
                if (consume("St")) {
                    n = new Qualified(new Text("std"), unqualifiedName(null));
                } else {
                    n = unqualifiedName(null);
                }
            }
            if (peek() == 'I') {
                if (!substituted) {
                    subs.add(n);
                }
                n = new Template(n, templateArgs(true));
            } else if (substituted) {
                throw new Unsupported(); // a substitution alone is no name
            }
            return n;
        } finally {
            leave();
        }
    }

    /** {@code Z <encoding> E <entity> [<discriminator>]}. */
    private Node localName() {
        expect('Z');
        Node fn = encoding(false, false);
        expect('E');
        Node entity;
        if (consume("s")) {
            entity = new Text("string literal");
        } else if (peek() == 'd') {
            pos++;
            if (peek() != '_') {
                number();
            }
            expect('_');
            entity = name();
        } else {
            entity = name();
        }
        discriminator();
        return new Qualified(fn, entity);
    }

    private void discriminator() {
        if (peek() == '_' && peek(1) == '_') {
            pos += 2;
            count();
            expect('_');
        } else if (peek() == '_' && Character.isDigit(peek(1))) {
            pos += 2;
        }
    }

    /** {@code N [<CV-qualifiers>] [<ref-qualifier>] <prefix> <unqualified-name> E}. */
    private Node nestedName() {
        expect('N');
        String quals = cvQualifiers();
        if (consume("R")) {
            quals += " &";
        } else if (consume("O")) {
            quals += " &&";
        }
        Node ret = null;
        while (peek() != 'E') {
            char c = peek();
            boolean sub = false;
            if (c == 'S' && peek(1) == 't') {
                if (ret != null) {
                    throw new Unsupported();
                }
                pos += 2;
                ret = new Text("std");
                continue; // std alone is no candidate
            } else if (c == 'S') {
                if (ret != null) {
                    throw new Unsupported();
                }
                ret = substitution();
                if (ret instanceof Text t && (peek() == 'C' || peek() == 'D') && FULL_STD.containsKey(t.s)) {
                    // a constructor or destructor of std::string and the streams: the full name
                    ret = new Text(FULL_STD.get(t.s), t.ctor);
                }
                sub = true;
            } else if (c == 'I') {
                if (ret == null) {
                    throw new Unsupported();
                }
                ret = new Template(ret, templateArgs(true));
            } else if (c == 'T') {
                if (ret != null) {
                    throw new Unsupported();
                }
                ret = templateParam();
            } else if (c == 'M') {
                pos++; // a lambda's initializer scope: nothing to print
                continue;
            } else if (c == 'D' && (peek(1) == 't' || peek(1) == 'T')) {
                throw new Unsupported();
            } else {
                Node part = unqualifiedName(ret);
                ret = ret == null ? part : new Qualified(ret, part);
            }
            if (!sub && peek() != 'E') {
                subs.add(ret);
            }
        }
        pos++;
        if (ret == null) {
            throw new Unsupported();
        }
        pendingQuals = quals;
        return ret;
    }

    private static final Map<String, String> FULL_STD = Map.of(
            "std::string", "std::basic_string<char, std::char_traits<char>, std::allocator<char> >",
            "std::istream", "std::basic_istream<char, std::char_traits<char> >",
            "std::ostream", "std::basic_ostream<char, std::char_traits<char> >",
            "std::iostream", "std::basic_iostream<char, std::char_traits<char> >");

    private String cvQualifiers() {
        StringBuilder q = new StringBuilder();
        boolean r = consume("r");
        boolean v = consume("V");
        boolean k = consume("K");
        if (k) {
            q.append(" const");
        }
        if (v) {
            q.append(" volatile");
        }
        if (r) {
            q.append(" restrict");
        }
        return q.toString();
    }

    /**
     * {@code <unqualified-name>}: a source name, operator, constructor or destructor (named after
     * {@code scope}'s last name), lambda or unnamed type, with ABI tags.
     */
    private Node unqualifiedName(Node scope) {
        char c = peek();
        Node n;
        if (c == 'L') {
            pos++; // internal linkage: nothing to print
            n = unqualifiedName(scope);
            discriminator();
            return n;
        }
        if (Character.isDigit(c)) {
            n = sourceName();
        } else if (c == 'C' && (peek(1) == '1' || peek(1) == '2' || peek(1) == '3' || peek(1) == '4'
                || peek(1) == '5' || peek(1) == 'I')) {
            if (scope == null) {
                throw new Unsupported();
            }
            pos++;
            if (consume("I")) {
                pos++;
                type();
            } else {
                pos++;
            }
            n = new Special(scope.ctorName());
        } else if (c == 'D' && (peek(1) == '0' || peek(1) == '1' || peek(1) == '2' || peek(1) == '4'
                || peek(1) == '5')) {
            if (scope == null) {
                throw new Unsupported();
            }
            pos += 2;
            n = new Special("~" + scope.ctorName());
        } else if (c == 'U' && peek(1) == 't') {
            pos += 2;
            int k = peek() == '_' ? 1 : count() + 2;
            expect('_');
            n = new Text("{unnamed type#" + k + "}");
        } else if (c == 'U' && peek(1) == 'l') {
            pos += 2;
            List<Node> saved = templateArgs;
            List<Node> params = new ArrayList<>();
            while (peek() != 'E') {
                params.add(type());
            }
            pos++;
            int k = peek() == '_' ? 1 : count() + 2;
            expect('_');
            templateArgs = saved;
            n = new Text("{lambda(" + paramList(params) + ")#" + k + "}");
        } else if (c == 'D' && peek(1) == 'C') {
            pos += 2;
            StringBuilder b = new StringBuilder("[");
            while (peek() != 'E') {
                if (b.length() > 1) {
                    b.append(", ");
                }
                b.append(sourceName().text());
            }
            pos++;
            n = new Text(b.append(']').toString());
        } else if (Character.isLowerCase(c)) {
            n = operatorName();
        } else {
            throw new Unsupported();
        }
        while (peek() == 'B') {
            pos++;
            Node tag = sourceName();
            n = new Text(n.text() + "[abi:" + tag.text() + "]", n instanceof Text t ? t.ctor : n.text());
        }
        return n;
    }

    private Node sourceName() {
        int len = count();
        if (len <= 0 || pos + len > in.length()) {
            throw new Unsupported();
        }
        String id = in.substring(pos, pos + len);
        pos += len;
        if (id.startsWith("_GLOBAL_") && id.length() > 9 && (id.charAt(8) == '.' || id.charAt(8) == '_'
                || id.charAt(8) == '$') && id.charAt(9) == 'N') {
            return new Text("(anonymous namespace)");
        }
        return new Text(id);
    }

    private static final String[][] OPERATORS = {
        {"nw", "new"}, {"na", "new[]"}, {"dl", "delete"}, {"da", "delete[]"}, {"ps", "+"}, {"ng", "-"},
        {"ad", "&"}, {"de", "*"}, {"co", "~"}, {"pl", "+"}, {"mi", "-"}, {"ml", "*"}, {"dv", "/"},
        {"rm", "%"}, {"an", "&"}, {"or", "|"}, {"eo", "^"}, {"aS", "="}, {"pL", "+="}, {"mI", "-="},
        {"mL", "*="}, {"dV", "/="}, {"rM", "%="}, {"aN", "&="}, {"oR", "|="}, {"eO", "^="}, {"ls", "<<"},
        {"rs", ">>"}, {"lS", "<<="}, {"rS", ">>="}, {"eq", "=="}, {"ne", "!="}, {"lt", "<"}, {"gt", ">"},
        {"le", "<="}, {"ge", ">="}, {"ss", "<=>"}, {"nt", "!"}, {"aa", "&&"}, {"oo", "||"}, {"pp", "++"},
        {"mm", "--"}, {"cm", ","}, {"pm", "->*"}, {"pt", "->"}, {"cl", "()"}, {"ix", "[]"}, {"qu", "?"},
        {"aw", "co_await"},
    };

    private Node operatorName() {
        for (String[] op : OPERATORS) {
            if (consume(op[0])) {
                String sym = op[1];
                boolean word = Character.isLetter(sym.charAt(0));
                return new Text("operator" + (word ? " " : "") + sym);
            }
        }
        if (consume("cv")) {
            Node t = type();
            return new Special("operator " + t.text());
        }
        if (consume("li")) {
            return new Text("operator\"\" " + sourceName().text());
        }
        if (peek() == 'v' && Character.isDigit(peek(1))) {
            pos += 2;
            return new Text("operator " + sourceName().text());
        }
        throw new Unsupported();
    }

    /** {@code S_}, {@code S<seq-id>_} and the abbreviations of {@code std::}. */
    private Node substitution() {
        expect('S');
        char c = peek();
        switch (c) {
            case 'a' -> {
                pos++;
                return new Text("std::allocator", "allocator");
            }
            case 'b' -> {
                pos++;
                return new Text("std::basic_string", "basic_string");
            }
            case 's' -> {
                pos++;
                return new Text("std::string", "basic_string");
            }
            case 'i' -> {
                pos++;
                return new Text("std::istream", "basic_istream");
            }
            case 'o' -> {
                pos++;
                return new Text("std::ostream", "basic_ostream");
            }
            case 'd' -> {
                pos++;
                return new Text("std::iostream", "basic_iostream");
            }
            default -> {
                int i = 0;
                if (c != '_') {
                    i = seqId() + 1;
                }
                expect('_');
                if (i >= subs.size()) {
                    throw new Unsupported();
                }
                Node n = subs.get(i);
                if (n instanceof ParamSub p) {
                    return p.index < templateArgs.size() ? templateArgs.get(p.index) : p.resolved;
                }
                return n;
            }
        }
    }

    private int seqId() {
        int v = 0;
        int start = pos;
        while (Character.isDigit(peek()) || Character.isUpperCase(peek())) {
            char c = peek();
            v = v * 36 + (Character.isDigit(c) ? c - '0' : c - 'A' + 10);
            pos++;
            if (v > 1_000_000) {
                throw new Unsupported();
            }
        }
        if (pos == start) {
            throw new Unsupported();
        }
        return v;
    }

    /** {@code I <template-arg>+ E}; {@code atName}: the arguments of a name, which {@code T_} refers to. */
    private List<Node> templateArgs(boolean atName) {
        expect('I');
        templateDepth++;
        List<Node> args = new ArrayList<>();
        try {
            while (peek() != 'E') {
                args.add(templateArg());
            }
        } finally {
            templateDepth--;
        }
        pos++;
        if (atName && templateDepth == 0) {
            templateArgs = args;
        }
        return args;
    }

    private Node templateArg() {
        char c = peek();
        if (c == 'L') {
            return exprPrimary();
        }
        if (c == 'J') {
            pos++;
            List<Node> pack = new ArrayList<>();
            while (peek() != 'E') {
                pack.add(templateArg());
            }
            pos++;
            return new Pack(pack);
        }
        if (c == 'X') {
            throw new Unsupported();
        }
        return type();
    }

    /** {@code L <type> <value> E} or {@code L _Z <encoding> E}. */
    private Node exprPrimary() {
        expect('L');
        if (consume("_Z") || consume("Z")) {
            Node e = encoding(false);
            expect('E');
            return e;
        }
        Node t = type();
        String type = t.text();
        if (type.equals("bool") && (peek() == '0' || peek() == '1') && peek(1) == 'E') {
            String v = peek() == '1' ? "true" : "false";
            pos += 2;
            return new Text(v);
        }
        if (peek() == 'E') {
            throw new Unsupported();
        }
        String v = number();
        expect('E');
        String suffix = switch (type) {
            case "int" -> "";
            case "unsigned int" -> "u";
            case "long" -> "l";
            case "unsigned long" -> "ul";
            case "long long" -> "ll";
            case "unsigned long long" -> "ull";
            default -> null;
        };
        if (suffix != null) {
            return new Text(v + suffix);
        }
        return new Text("(" + type + ")" + v);
    }

    private Node templateParam() {
        return resolveParam(templateParamIndex());
    }

    private int templateParamIndex() {
        expect('T');
        int i = 0;
        if (peek() != '_') {
            i = count() + 1;
        }
        expect('_');
        return i;
    }

    private Node resolveParam(int i) {
        if (i >= templateArgs.size()) {
            throw new Unsupported();
        }
        return templateArgs.get(i);
    }

    private static final String[] BUILTINS = new String[128];

    static {
        String[][] b = {
            {"v", "void"}, {"w", "wchar_t"}, {"b", "bool"}, {"c", "char"}, {"a", "signed char"},
            {"h", "unsigned char"}, {"s", "short"}, {"t", "unsigned short"}, {"i", "int"},
            {"j", "unsigned int"}, {"l", "long"}, {"m", "unsigned long"}, {"x", "long long"},
            {"y", "unsigned long long"}, {"n", "__int128"}, {"o", "unsigned __int128"}, {"f", "float"},
            {"d", "double"}, {"e", "long double"}, {"g", "__float128"}, {"z", "..."},
        };
        for (String[] e : b) {
            BUILTINS[e[0].charAt(0)] = e[1];
        }
    }

    /** {@code <type>}. */
    private Node type() {
        enter();
        try {
            return type0();
        } finally {
            leave();
        }
    }

    private Node type0() {
        char c = peek();
        if (c < 128 && BUILTINS[c] != null) {
            pos++;
            return new Text(BUILTINS[c]);
        }
        Node t;
        switch (c) {
            case 'D' -> {
                char d = peek(1);
                String s = switch (d) {
                    case 'd' -> "decimal64";
                    case 'e' -> "decimal128";
                    case 'f' -> "decimal32";
                    case 'h' -> "half";
                    case 'i' -> "char32_t";
                    case 's' -> "char16_t";
                    case 'u' -> "char8_t";
                    case 'a' -> "auto";
                    case 'c' -> "decltype(auto)";
                    case 'n' -> "decltype(nullptr)";
                    default -> null;
                };
                if (s != null) {
                    pos += 2;
                    return new Text(s);
                }
                if (d == 'v' && Character.isDigit(peek(2))) {
                    pos += 2;
                    int n = count();
                    expect('_');
                    return addSub(new Text(type().text() + " __vector(" + n + ")"));
                }
                if (d == 'F') {
                    pos += 2;
                    int bits = count();
                    String x = consume("x") ? "x" : "";
                    expect('_');
                    return new Text("_Float" + bits + x);
                }
                if (d == 'p') {
                    pos += 2;
                    t = expand(type());
                } else if (d == 'x' || d == 'o' || d == 'O' || d == 'w') {
                    throw new Unsupported(); // exception specifications
                } else {
                    throw new Unsupported();
                }
            }
            case 'r', 'V', 'K' -> {
                String q = cvQualifiers();
                // qualifiers before a function type are a member function's: the unqualified
                // function type is no substitution candidate of its own
                Node inner = peek() == 'F' ? functionType() : type();
                t = qualify(inner, q);
            }
            case 'P' -> {
                pos++;
                Node inner = type();
                t = new Indirect(inner, "*");
            }
            case 'R' -> {
                pos++;
                Node inner = type();
                t = reference(inner, "&");
            }
            case 'O' -> {
                pos++;
                Node inner = type();
                t = reference(inner, "&&");
            }
            case 'C', 'G' -> {
                pos++;
                Node inner = type();
                t = new Qualifiers(inner, c == 'C' ? " _Complex" : " _Imaginary");
            }
            case 'F' -> t = functionType();
            case 'A' -> {
                pos++;
                String dim = "";
                if (Character.isDigit(peek())) {
                    dim = String.valueOf(count());
                } else if (peek() != '_') {
                    throw new Unsupported();
                }
                expect('_');
                t = new Array(dim, type());
            }
            case 'M' -> {
                pos++;
                Node cls = type();
                Node member = type();
                t = new MemberPointer(cls, member);
            }
            case 'T' -> {
                int index = templateParamIndex();
                t = resolveParam(index);
                ParamSub candidate = new ParamSub(index, t);
                subs.add(candidate);
                if (peek() == 'I') {
                    return addSub(new Template(t, templateArgs(false)));
                }
                return t;
            }
            case 'S' -> {
                if (peek(1) == 't') {
                    t = classEnumName(); // a class in std::
                } else {
                    Node s = substitution();
                    if (peek() == 'I') {
                        t = new Template(s, templateArgs(false));
                    } else {
                        return s; // not a new candidate
                    }
                }
            }
            case 'u' -> {
                pos++;
                t = sourceName();
            }
            case 'U' -> throw new Unsupported(); // vendor qualifiers
            default -> {
                if (Character.isDigit(c) || c == 'N' || c == 'Z') {
                    t = classEnumName();
                } else {
                    throw new Unsupported();
                }
            }
        }
        subs.add(t);
        return t;
    }

    private Node addSub(Node t) {
        subs.add(t);
        return t;
    }

    /** A class or enum type's name: like {@link #name()} but its template arguments do not set {@code T_}. */
    private Node classEnumName() {
        List<Node> saved = templateArgs;
        String quals = pendingQuals;
        Node n = name();
        templateArgs = saved;
        pendingQuals = quals;
        return n;
    }

    /** {@code F [Y] <bare-function-type> [<ref-qualifier>] E}. */
    private Node functionType() {
        expect('F');
        consume("Y");
        Node ret = type();
        List<Node> params = new ArrayList<>();
        String after = "";
        while (peek() != 'E') {
            if ((peek() == 'R' || peek() == 'O') && peek(1) == 'E') {
                after = peek() == 'R' ? " &" : " &&";
                pos++;
                continue;
            }
            params.add(type());
        }
        pos++;
        if (params.isEmpty()) {
            throw new Unsupported();
        }
        return new Function(ret, params, after);
    }
}
