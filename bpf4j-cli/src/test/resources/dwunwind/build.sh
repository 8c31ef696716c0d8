#!/bin/sh
# Rebuilds 'nofp' and 'nofp-pie' (and 'frames', 'frames-clang', 'registers', 'registers-clang'), the targets of bpf4j trace's dw_ustack tests, from nofp.c with
# gcc: optimized, without frame pointers (-fomit-frame-pointer) and without sibling calls (each
# function keeps its frame), position-dependent and position-independent. The binaries are
# committed, so the tests need no compiler.
set -eu
cd "$(dirname "$0")"
gcc -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -no-pie -o nofp nofp.c
gcc -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -fpie -pie -o nofp-pie nofp.c
# frames.c: the rules nofp does not exercise (rbp as the CFA, rbp restored, a lazily bound PLT
# entry, a signal frame, gcc's DRAP realignment, a rule no unwinder follows), with gcc (12.2) and
# with clang (19); -z lazy keeps the PLT entries' second halves in use
gcc -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -no-pie -Wl,-z,lazy -o frames frames.c
clang-19 -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -no-pie -fuse-ld=bfd -Wl,-z,lazy \
    -o frames-clang frames.c
# registers.c: rules naming other registers (the return address in rcx or rdx, the CFA in rax or
# *(rsp+8+r9*8)+8), in the interrupted frame and in the frame a signal frame saved every register of
gcc -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -no-pie -o registers registers.c
clang-19 -O2 -g -Wall -Werror -fomit-frame-pointer -fno-optimize-sibling-calls -no-pie -fuse-ld=bfd \
    -o registers-clang registers.c
echo "built nofp nofp-pie frames frames-clang registers registers-clang"
