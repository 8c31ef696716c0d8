package org.bpf4j.trace.fmt;

import java.util.List;

/**
 * The script as current bpftrace's parser reads it, before anything is expanded or checked: the
 * tree {@link Printer} lays out again. Every node keeps where it was written ({@link #begin},
 * {@link #end}: offsets in the script, as current bpftrace's locations), because comments and
 * blank lines are put back by position. Predicates are already the {@code if} that current
 * bpftrace desugars them into, and a block's last expression without {@code ;} is its value.
 */
sealed interface Syntax {
    /** Where the node starts (an offset in the script). */
    int begin();

    /** Where it ends. */
    int end();

    /** An expression. */
    sealed interface Expr extends Syntax {}

    /** A statement of a block. */
    sealed interface Stmt extends Syntax {}

    /** A top-level item. */
    sealed interface Root extends Syntax {}

    /** What a {@code for} loop walks: a range or a map. */
    sealed interface Iterable extends Syntax {}

    /** An integer literal, as written ({@code 1_000}, {@code 0x10}, {@code 1e6}, {@code 5ms}). */
    record Int(int begin, int end, String text) implements Expr {}

    /** {@code true} or {@code false}. */
    record Bool(int begin, int end, boolean value) implements Expr {}

    /** {@code $N}. */
    record Param(int begin, int end, long n) implements Expr {}

    /** {@code $#}. */
    record ParamCount(int begin, int end) implements Expr {}

    /** A string literal; {@code value} is decoded (its escapes resolved). */
    record Str(int begin, int end, String value) implements Expr {}

    /** A builtin that the parser knows ({@code pid}, {@code arg0}, {@code __builtin_comm}...). */
    record Builtin(int begin, int end, String name) implements Expr {}

    /** Any other bare name. */
    record Ident(int begin, int end, String name) implements Expr {}

    /** {@code $name}. */
    record Var(int begin, int end, String name) implements Expr {}

    /** {@code &$name}. */
    record VarAddr(int begin, int end, Var var) implements Expr {}

    /** {@code @name} (or {@code @}). */
    record MapRef(int begin, int end, String name) implements Expr, Iterable {}

    /** {@code &@name}. */
    record MapAddr(int begin, int end, MapRef map) implements Expr {}

    /** {@code name(args)}. */
    record Call(int begin, int end, String name, List<Expr> args) implements Expr {}

    /** {@code sizeof(type or expression)}. */
    record Sizeof(int begin, int end, TypeOf of) implements Expr {}

    /** {@code offsetof(type or expression, a.b)}. */
    record Offsetof(int begin, int end, TypeOf of, List<String> fields) implements Expr {}

    /** {@code typeinfo(type or expression)}. */
    record Typeinfo(int begin, int end, TypeOf of) implements Expr {}

    /** A call's argument {@code typeof(...)}. */
    record TypeArg(int begin, int end, TypeOf of) implements Expr {}

    /** {@code comptime expr}. */
    record Comptime(int begin, int end, Expr expr) implements Expr {}

    /** {@code left op right}. */
    record Binop(int begin, int end, Expr left, String op, Expr right) implements Expr {}

    /** A prefix or postfix operator ({@code -x}, {@code !x}, {@code *p}, {@code ++$x}, {@code $x--}). */
    record Unop(int begin, int end, Expr expr, String op, boolean postfix) implements Expr {}

    /** {@code if cond { } else { }}, a ternary, or a probe's predicate; {@code right} is {@link None} without else. */
    record If(int begin, int end, Expr cond, Expr left, Expr right) implements Expr {}

    /** {@code expr.field} (or {@code expr->field}). */
    record Field(int begin, int end, Expr expr, String field) implements Expr {}

    /** {@code expr[index]}. */
    record Index(int begin, int end, Expr expr, Expr index) implements Expr {}

    /** {@code expr.N}. */
    record TupleIndex(int begin, int end, Expr expr, long index) implements Expr {}

    /** {@code @map[key]} (several keys are a {@link Tuple}). */
    record MapAccess(int begin, int end, MapRef map, Expr key) implements Expr {}

    /** {@code (type)expr}. */
    record Cast(int begin, int end, TypeOf type, Expr expr) implements Expr {}

    /** {@code (a, b)}, {@code (a,)} or {@code ()}. */
    record Tuple(int begin, int end, List<Expr> elems) implements Expr {}

    /** {@code (name = expr, ...)}. */
    record RecordExpr(int begin, int end, List<Named> elems) implements Expr {}

    /** One {@code name = expr} of a record. */
    record Named(int begin, int end, String name, Expr expr) implements Syntax {}

    /** {@code { statements; value }}: {@code value} is {@link None} when the block has none. */
    record Block(int begin, int end, List<Stmt> stmts, Expr value) implements Expr {}

    /** Nothing: a block without a value, an {@code if} without {@code else}. */
    record None(int begin, int end) implements Expr {}

    /** A type written in the script: {@code struct sock *}, {@code int8[4]}, {@code uint64}. */
    record Type(int begin, int end, Kind kind, String name, Type inner, long size) implements Syntax {
        /** The forms of a written type. */
        enum Kind { NAME, STRUCT, UNION, ENUM, POINTER, ARRAY }

        /** The name as written ({@code struct sock} for a struct). */
        String typeName() {
            return switch (kind) {
                case STRUCT -> "struct " + name;
                case UNION -> "union " + name;
                case ENUM -> "enum " + name;
                default -> name;
            };
        }
    }

    /** A type, or {@code typeof(expression)}: exactly one of {@code type} and {@code expr} is set. */
    record TypeOf(int begin, int end, Type type, Expr expr) implements Syntax {}

    /** {@code expr;}. */
    record ExprStmt(int begin, int end, Expr expr) implements Stmt {}

    /** {@code @map = expr;} (or {@code @map op= expr}, kept as a {@link Binop} on the map). */
    record AssignScalar(int begin, int end, MapRef map, Expr expr) implements Stmt {}

    /** {@code @map[key] = expr;}. */
    record AssignMap(int begin, int end, MapAccess map, Expr expr) implements Stmt {}

    /** {@code $x = expr;} or {@code let $x = expr;}: {@code target} is a {@link Var} or a {@link VarDecl}. */
    record AssignVar(int begin, int end, Syntax target, Expr expr) implements Stmt {
        /** The variable assigned. */
        Var var() {
            return target instanceof VarDecl d ? d.var() : (Var) target;
        }
    }

    /** {@code let $x;} or {@code let $x : type;} ({@code type} null without one). */
    record VarDecl(int begin, int end, Var var, TypeOf type) implements Stmt {}

    /** {@code return [expr];}, {@code break;}, {@code continue;} ({@code value} null without one). */
    record Jump(int begin, int end, String word, Expr value) implements Stmt {}

    /** {@code unroll (n) { }}. */
    record Unroll(int begin, int end, Expr count, Block block) implements Stmt {}

    /** {@code while (cond) { }}. */
    record While(int begin, int end, Expr cond, Block block) implements Stmt {}

    /** {@code for $x : iterable { }}. */
    record For(int begin, int end, Var var, Iterable iterable, Block block) implements Stmt {}

    /** {@code start..end}. */
    record Range(int begin, int end, Expr start, Expr stop) implements Iterable {}

    /** {@code _ = expr;}. */
    record Discard(int begin, int end, Expr expr) implements Stmt {}

    /** {@code import "name";} inside a block. */
    record StmtImport(int begin, int end, String name) implements Stmt {}

    /** A probe: its attach points as written, and its block (a predicate already the {@code if} in it). */
    record Probe(int begin, int end, List<AttachPoint> points, Block block) implements Root {}

    /** An attach point, as written. */
    record AttachPoint(int begin, int end, String raw) implements Syntax {}

    /** {@code config = { key = value; ... }}. */
    record Config(int begin, int end, List<ConfigEntry> entries) implements Root {}

    /** One config entry; {@code value} is a Boolean, a Long (unsigned) or a String. */
    record ConfigEntry(int begin, int end, String key, Object value) implements Syntax {}

    /** {@code macro name(args) { }}. */
    record Macro(int begin, int end, String name, List<Expr> args, Block block) implements Root {}

    /** {@code fn name($a : type, ...) : type { }}. */
    record Subprog(int begin, int end, String name, List<SubprogArg> args, TypeOf returns, Block block)
            implements Root {}

    /** One argument of a function. */
    record SubprogArg(int begin, int end, Var var, TypeOf type) implements Syntax {}

    /** {@code import "name";} at the top. */
    record RootImport(int begin, int end, String name) implements Root {}

    /** A C preprocessor line or a C {@code struct}/{@code union}/{@code enum} definition, kept as written. */
    record CText(int begin, int end, String text) implements Root {}

    /** {@code let @name = type(max);}. */
    record MapDecl(int begin, int end, String name, String type, long max) implements Root {}

    /**
     * A whole script.
     *
     * @param header the {@code #!} line, with its newline (null without one)
     * @param items the top-level items, in the order written
     */
    record Script(String header, List<Root> items) {}
}
