package org.bpf4j.trace.symbols;

import java.util.ArrayList;
import java.util.List;

/**
 * The tree {@link CxxDemangler} reads a mangled name into, and how it prints: each node writes its
 * text with a declarator around it, as GNU's demangler places qualifiers, pointers and function
 * parameters ({@code char const* (*)(int)}); pack expansion and the qualifier and reference rules
 * of the Itanium C++ ABI work on the tree.
 */
final class CxxNodes {
    private CxxNodes() {
    }

    /** Why a name is not read: thrown inside, never out of {@link #demangle}. */
    static final class Unsupported extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Unsupported() {
            super(null, null, false, false);
        }
    }

    /** A demangled entity: a name or a type, printed with a declarator around it. */
    abstract static class Node {
        /** The text of this node alone. */
        String text() {
            return declare("");
        }

        /**
         * The text of a declaration of {@code inner} (a pointer's {@code *}, a name) with this
         * type: {@code int (*)[3]} for an array with {@code inner} {@code *}.
         */
        String declare(String inner) {
            return join(text0(), inner);
        }

        String text0() {
            throw new IllegalStateException();
        }

        /** The last plain name of a name, for a constructor's or destructor's name. */
        String ctorName() {
            throw new Unsupported();
        }

        boolean isFunction() {
            return false;
        }

        /** Whether this name ends with template arguments (so its function has a return type). */
        boolean isTemplate() {
            return false;
        }

        /** Whether this is a constructor, destructor or conversion operator name. */
        boolean noReturnType() {
            return false;
        }
    }

    private static String join(String type, String inner) {
        if (inner.isEmpty()) {
            return type;
        }
        char c = inner.charAt(0);
        if (c == '*' || c == '&' || c == ' ' || c == '(' || c == '[') {
            return type + inner;
        }
        return type + " " + inner;
    }

    /** Plain text: a name component or a builtin type. */
    static final class Text extends Node {
        final String s;
        final String ctor;

        Text(String s) {
            this(s, s);
        }

        Text(String s, String ctor) {
            this.s = s;
            this.ctor = ctor;
        }

        @Override
        String text0() {
            return s;
        }

        @Override
        String ctorName() {
            return ctor;
        }
    }

    /** {@code scope::name}. */
    static final class Qualified extends Node {
        final Node scope;
        final Node name;

        Qualified(Node scope, Node name) {
            this.scope = scope;
            this.name = name;
        }

        @Override
        String text0() {
            return scope.text() + "::" + name.text();
        }

        @Override
        String ctorName() {
            return name.ctorName();
        }

        @Override
        boolean isTemplate() {
            return name.isTemplate();
        }

        @Override
        boolean noReturnType() {
            return name.noReturnType();
        }
    }

    /** {@code name<args>}. */
    static final class Template extends Node {
        final Node name;
        final List<Node> args;

        Template(Node name, List<Node> args) {
            this.name = name;
            this.args = args;
        }

        @Override
        String text0() {
            String n = name.text();
            // GNU's demangler separates arguments with ", " and takes the separator back after an
            // empty pack, but still counts its space as the last character printed: only a '>'
            // printed last gets a space before the closing '>'
            StringBuilder b = new StringBuilder();
            char last = '<';
            boolean first = true;
            for (Node a : args) {
                String t = a.text();
                if (!first) {
                    last = ' ';
                    if (!t.isEmpty()) {
                        b.append(", ");
                    }
                }
                if (!t.isEmpty()) {
                    b.append(t);
                    last = t.charAt(t.length() - 1);
                }
                first = false;
            }
            // operator< followed by its arguments: a space keeps "<<" from forming
            return n + (n.endsWith("<") ? " " : "") + "<" + b + (last == '>' ? " " : "") + ">";
        }

        @Override
        String ctorName() {
            return name.ctorName();
        }

        @Override
        boolean isTemplate() {
            return true;
        }

        @Override
        boolean noReturnType() {
            return name.noReturnType();
        }
    }

    private static String argList(List<Node> args) {
        StringBuilder b = new StringBuilder();
        for (Node a : args) {
            String t = a.text();
            if (t.isEmpty()) {
                continue; // an empty pack
            }
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(t);
        }
        return b.toString();
    }

    /** A constructor's, destructor's or conversion operator's name (no return type). */
    static final class Special extends Node {
        final String s;

        Special(String s) {
            this.s = s;
        }

        @Override
        String text0() {
            return s;
        }

        @Override
        boolean noReturnType() {
            return true;
        }
    }

    /** A template argument pack ({@code J...E}, or a pack a parameter expands to). */
    static final class Pack extends Node {
        final List<Node> args;

        Pack(List<Node> args) {
            this.args = args;
        }

        @Override
        String text0() {
            return argList(args);
        }
    }

    /** A type with qualifiers ({@code const}, {@code volatile}, {@code restrict}) after it. */
    static final class Qualifiers extends Node {
        final Node type;
        final String quals;

        Qualifiers(Node type, String quals) {
            this.type = type;
            this.quals = quals;
        }

        @Override
        String declare(String inner) {
            if (type instanceof Function f) {
                return f.declare(inner, quals);
            }
            return type.declare(quals + inner);
        }

        @Override
        boolean isFunction() {
            return type.isFunction();
        }
    }

    /** A pointer ({@code *}), lvalue ({@code &}) or rvalue ({@code &&}) reference to a type. */
    static final class Indirect extends Node {
        final Node type;
        final String op;

        Indirect(Node type, String op) {
            this.type = type;
            this.op = op;
        }

        @Override
        String declare(String inner) {
            return type.declare(op + inner);
        }
    }

    /** A function type: its return type (null for none), its parameters, qualifiers after them. */
    static final class Function extends Node {
        final Node ret;
        final List<Node> params;
        final String after;

        Function(Node ret, List<Node> params, String after) {
            this.ret = ret;
            this.params = params;
            this.after = after;
        }

        @Override
        String declare(String inner) {
            return declare(inner, "");
        }

        String declare(String inner, String quals) {
            String p = "(" + paramList(params) + ")" + quals + after;
            if (ret != null && needsDeclarator(ret)) {
                // returning a pointer to a function (or array): this function's declarator goes inside
                return ret.declare((inner.isEmpty() ? "" : "(" + inner + ")") + p);
            }
            String r = ret == null ? "" : ret.text();
            return r + " " + (inner.isEmpty() ? "" : "(" + inner + ")") + p;
        }

        @Override
        boolean isFunction() {
            return true;
        }
    }

    static String paramList(List<Node> params) {
        if (params.size() == 1 && params.get(0) instanceof Text t && t.s.equals("void")) {
            return "";
        }
        return argList(params);
    }

    /** {@code elem [dim]}. */
    static final class Array extends Node {
        final String dim;
        final Node elem;

        Array(String dim, Node elem) {
            this.dim = dim;
            this.elem = elem;
        }

        @Override
        String declare(String inner) {
            String d = "[" + dim + "]";
            if (inner.isEmpty()) {
                return elem.declare(" " + d);
            }
            return elem.declare(" (" + inner + ") " + d);
        }
    }

    /** A pointer to a member of class {@code cls} of type {@code member}. */
    static final class MemberPointer extends Node {
        final Node cls;
        final Node member;

        MemberPointer(Node cls, Node member) {
            this.cls = cls;
            this.member = member;
        }

        @Override
        String declare(String inner) {
            return member.declare(cls.text() + "::*" + inner);
        }
    }

    /** A function's whole name: {@code [ret ]name(params)[ const]}. */
    static final class Encoding extends Node {
        final Node name;
        final Node ret;
        final List<Node> params;
        final String quals;

        Encoding(Node name, Node ret, List<Node> params, String quals) {
            this.name = name;
            this.ret = ret;
            this.params = params;
            this.quals = quals;
        }

        @Override
        String text0() {
            String s = name.text() + "(" + paramList(params) + ")" + quals;
            if (ret == null) {
                return s;
            }
            if (needsDeclarator(ret)) {
                // a function returning a pointer to a function or array: the name goes inside
                return ret.declare(s);
            }
            return ret.text() + " " + s;
        }

        @Override
        String ctorName() {
            return name.ctorName();
        }
    }

    private static boolean needsDeclarator(Node t) {
        while (true) {
            if (t instanceof Indirect i) {
                t = i.type;
            } else if (t instanceof Qualifiers q) {
                t = q.type;
            } else {
                return t instanceof Function || t instanceof Array || t instanceof MemberPointer;
            }
        }
    }

    /** Text before an entity ({@code vtable for }, {@code guard variable for }). */
    static final class Prefixed extends Node {
        final String prefix;
        final Node of;

        Prefixed(String prefix, Node of) {
            this.prefix = prefix;
            this.of = of;
        }

        @Override
        String text0() {
            return prefix + of.text();
        }
    }

    /**
     * A template parameter as a substitution candidate: GNU's demangler resolves it where the
     * substitution is used (against the template arguments then in scope), not where it was read.
     */
    static final class ParamSub extends Node {
        final int index;
        final Node resolved;

        ParamSub(int index, Node resolved) {
            this.index = index;
            this.resolved = resolved;
        }

        @Override
        String declare(String inner) {
            return resolved.declare(inner);
        }
    }

    /**
     * {@code t} with qualifiers: merged with those it has already (a template parameter that is
     * {@code T const} made const again), moved to the elements of an array.
     */
    static Node qualify(Node t, String quals) {
        if (t instanceof Array a) {
            return new Array(a.dim, qualify(a.elem, quals));
        }
        if (t instanceof Qualifiers q) {
            StringBuilder merged = new StringBuilder(q.quals);
            for (String w : new String[] {" const", " volatile", " restrict"}) {
                if (quals.contains(w) && !q.quals.contains(w)) {
                    merged.append(w);
                }
            }
            return new Qualifiers(q.type, merged.toString());
        }
        return new Qualifiers(t, quals);
    }

    /** A reference to {@code t}, collapsed as C++ does when {@code t} is a reference ({@code T&& &} is {@code T&}). */
    static Node reference(Node t, String op) {
        if (t instanceof Indirect i && (i.op.equals("&") || i.op.equals("&&"))) {
            return op.equals("&") ? new Indirect(i.type, "&") : i;
        }
        return new Indirect(t, op);
    }

    /**
     * A pack expansion ({@code Dp}): the type once for each element of the pack inside it
     * ({@code RKT_} with {@code T_} the pack {@code <int, char>} gives {@code int const&, char const&}).
     */
    static Node expand(Node t) {
        Pack p = findPack(t);
        if (p == null) {
            return t;
        }
        List<Node> out = new ArrayList<>();
        for (Node e : p.args) {
            out.add(replace(t, p, e));
        }
        return new Pack(out);
    }

    private static Pack findPack(Node t) {
        if (t instanceof Pack p) {
            return p;
        }
        if (t instanceof Indirect i) {
            return findPack(i.type);
        }
        if (t instanceof Qualifiers q) {
            return findPack(q.type);
        }
        if (t instanceof Array a) {
            return findPack(a.elem);
        }
        if (t instanceof Template tp) {
            for (Node a : tp.args) {
                Pack p = findPack(a);
                if (p != null) {
                    return p;
                }
            }
        }
        return null;
    }

    private static Node replace(Node t, Pack p, Node e) {
        if (t == p) {
            return e;
        }
        if (t instanceof Indirect i) {
            Node inner = replace(i.type, p, e);
            return i.op.equals("*") ? new Indirect(inner, "*") : reference(inner, i.op);
        }
        if (t instanceof Qualifiers q) {
            return qualify(replace(q.type, p, e), q.quals);
        }
        if (t instanceof Array a) {
            return new Array(a.dim, replace(a.elem, p, e));
        }
        if (t instanceof Template tp) {
            List<Node> args = new ArrayList<>();
            for (Node a : tp.args) {
                args.add(replace(a, p, e));
            }
            return new Template(tp.name, args);
        }
        return t;
    }
}
