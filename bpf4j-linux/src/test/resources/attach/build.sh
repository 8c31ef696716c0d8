#!/bin/sh
# Rebuilds the objects and the test binary of bpf4j-linux's attach tests from src/: the BPF
# programs with clang -O2 -g -target bpf (needs clang-19 and libbpf-dev's headers), the target
# binary with gcc (needs systemtap-sdt-dev for <sys/sdt.h>). The outputs are committed, so the
# tests need none of these tools.
# Usage: build.sh [CLANG]
set -eu
cd "$(dirname "$0")"
clang=${1:-${CLANG:-clang-19}}
arch=$(uname -m)
# The BPF programs that read registers (uprobe.bpf.c) and the target binary are for this machine's
# architecture; the tests that run them skip elsewhere (Fixtures.requireNativeTarget).
case "$arch" in
    x86_64) target_arch=x86 ;;
    aarch64) target_arch=arm64 ;;
    *) echo "build.sh: no __TARGET_ARCH for $arch" >&2; exit 1 ;;
esac
for name in trace btf_tracing uprobe net ringbuf pinned struct_ops core_module; do
    "$clang" -O2 -g -target bpf -D__TARGET_ARCH_$target_arch -I/usr/include/"$arch"-linux-gnu -I../../../main/resources/org/bpf4j/linux/probe -Wall -Werror \
        -c "src/$name.bpf.c" -o "$name.bpf.o"
    echo "built $name.bpf.o"
done
gcc -O1 -g -Wall -Werror -fno-inline -o target src/target.c
echo "built target"
# The oracle for the ELF/USDT unit tests: what binutils reads from the binary.
{
    nm target | awk '$3 ~ /^bpf4j_/ { print "symbol", $3, "0x" $1 }'
    readelf -n target | awk '/Provider:/ { p = $2 } /Name:/ { n = $2 }
        /Location:/ { gsub(",", ""); loc = $2; base = $4; sem = $6 }
        /Arguments:/ { $1 = ""; sub(/^ /, ""); print "usdt", p, n, loc, base, sem, $0 }'
    readelf -lW target | awk '$1 == "LOAD" { print "load", $2, $3, $5 }'
} > target.expected
echo "wrote target.expected"
