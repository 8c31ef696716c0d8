package org.bpf4j.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.function.LongBinaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

/** The shared arithmetic semantics at their edges, from {@code arithmetic-cases.csv}. */
class ArithmeticTest {
    @ParameterizedTest(name = "{0}({1}, {2}) = {3}")
    @CsvFileSource(resources = "/arithmetic-cases.csv", delimiterString = ",", ignoreLeadingAndTrailingWhitespace = true)
    void operation(String op, String dst, String src, String expected) {
        LongBinaryOperator f = switch (op) {
            case "div64" -> Arithmetic::div64;
            case "div32" -> Arithmetic::div32;
            case "sdiv64" -> Arithmetic::sdiv64;
            case "sdiv32" -> Arithmetic::sdiv32;
            case "mod64" -> Arithmetic::mod64;
            case "mod32" -> Arithmetic::mod32;
            case "smod64" -> Arithmetic::smod64;
            case "smod32" -> Arithmetic::smod32;
            case "lsh32" -> Arithmetic::lsh32;
            case "rsh32" -> Arithmetic::rsh32;
            case "arsh32" -> Arithmetic::arsh32;
            case "bswap16" -> (a, b) -> Arithmetic.bswap16(a);
            case "bswap32" -> (a, b) -> Arithmetic.bswap32(a);
            case "bswap64" -> (a, b) -> Arithmetic.bswap64(a);
            case "sext64_8" -> (a, b) -> Arithmetic.signExtend64(a, 8);
            case "sext64_16" -> (a, b) -> Arithmetic.signExtend64(a, 16);
            case "sext64_32" -> (a, b) -> Arithmetic.signExtend64(a, 32);
            case "sext32_8" -> (a, b) -> Arithmetic.signExtend32(a, 8);
            case "sext32_16" -> (a, b) -> Arithmetic.signExtend32(a, 16);
            case "le16" -> (a, b) -> Arithmetic.toLittleEndian(a, 16);
            case "le32" -> (a, b) -> Arithmetic.toLittleEndian(a, 32);
            case "le64" -> (a, b) -> Arithmetic.toLittleEndian(a, 64);
            default -> throw new IllegalArgumentException("unknown operation in test data: " + op);
        };
        assertEquals(parse(expected), f.applyAsLong(parse(dst), parse(src)),
                () -> op + "(" + dst + ", " + src + ")");
    }

    private static long parse(String hex) {
        return hex.startsWith("0x") ? Long.parseUnsignedLong(hex.substring(2), 16) : Long.parseLong(hex);
    }
}
