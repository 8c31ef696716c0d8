package org.bpf4j.linux.probe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bpf4j.MalformedInputException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** x86_64 USDT argument specs as {@code <sys/sdt.h>} writes them. */
class UsdtArgumentTest {
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        // spec | parsed | pt_regs offset (-1: none)
        "-4@%edi | Register[size=4, signed=true, register=edi, text=-4@%edi] | 112",
        "8@%rax | Register[size=8, signed=false, register=rax, text=8@%rax] | 80",
        "-4@%ebx | Register[size=4, signed=true, register=ebx, text=-4@%ebx] | 40",
        "1@%r9b | Register[size=1, signed=false, register=r9b, text=1@%r9b] | 64",
        "-2@%r15w | Register[size=2, signed=true, register=r15w, text=-2@%r15w] | 0",
        "8@-8(%rbp) | Memory[size=8, signed=false, register=rbp, offset=-8, text=8@-8(%rbp)] | 32",
        "-4@16(%rsp) | Memory[size=4, signed=true, register=rsp, offset=16, text=-4@16(%rsp)] | 152",
        "8@(%rdx) | Memory[size=8, signed=false, register=rdx, offset=0, text=8@(%rdx)] | 96",
        "8@0x10(%r12) | Memory[size=8, signed=false, register=r12, offset=16, text=8@0x10(%r12)] | 24",
        "4@$5 | Constant[size=4, signed=false, value=5, text=4@$5] | -1",
        "-8@$-3 | Constant[size=8, signed=true, value=-3, text=-8@$-3] | -1",
        "8@$-579005069656919568 | Constant[size=8, signed=false, value=-579005069656919568, text=8@$-579005069656919568] | -1",
        "8@$18446744073709551615 | Constant[size=8, signed=false, value=-1, text=8@$18446744073709551615] | -1",
        "8@-88(%rsp,%rax,8) | Indexed[size=8, signed=false, base=rsp, index=rax, scale=8, offset=-88, text=8@-88(%rsp,%rax,8)] | 152",
        "-2@(%rdi,%rcx) | Indexed[size=2, signed=true, base=rdi, index=rcx, scale=1, offset=0, text=-2@(%rdi,%rcx)] | 112",
    })
    void parses(String spec, String parsed, int ptRegs) {
        UsdtArgument a = UsdtArgument.parse(spec);
        assertEquals(parsed, a.toString());
        if (ptRegs >= 0) {
            assertEquals(ptRegs, a.ptRegsOffset());
        } else {
            assertThrows(MalformedInputException.class, a::ptRegsOffset);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "%edi | is not SIZE@OPERAND",
        "3@%eax | size 3 is not 1, 2, 4 or 8",
        "4@foo(%rip)x | is not $CONSTANT, %REG, OFFSET(%REG) or OFFSET(%REG,%REG,SCALE)",
        "4@sym(%rip) | is not $CONSTANT, %REG, OFFSET(%REG) or OFFSET(%REG,%REG,SCALE)",
        "8@0(%rax,%rbx,3) | scale 3 is not 1, 2, 4 or 8",
    })
    void refusesWithAReason(String spec, String reason) {
        MalformedInputException e = assertThrows(MalformedInputException.class, () -> UsdtArgument.parse(spec));
        assertTrue(e.getMessage().contains(reason) && e.getMessage().contains(spec), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void aNoteKeepsTheArgumentsItCannotReadWithTheirReason() {
        java.util.List<UsdtArgument> args = UsdtArgument.parseAll("-4@%edi 8@sym(%rip) 4@%xmm1 8@-8(%rbp)");
        assertEquals(4, args.size());
        assertEquals("Register", args.get(0).getClass().getSimpleName());
        UsdtArgument.Unsupported rip = (UsdtArgument.Unsupported) args.get(1);
        assertEquals(8, rip.size());
        assertTrue(rip.reason().contains("is not $CONSTANT"), rip.reason());
        UsdtArgument.Unsupported xmm = (UsdtArgument.Unsupported) args.get(2);
        assertTrue(xmm.reason().contains("unknown x86_64 register %xmm1"), xmm.reason());
        assertEquals("Memory", args.get(3).getClass().getSimpleName());
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"4@%xmm0 | unknown x86_64 register %xmm0"})
    void unknownRegisterIsNamed(String spec, String reason) {
        MalformedInputException e = assertThrows(MalformedInputException.class,
                () -> UsdtArgument.parse(spec).ptRegsOffset());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
