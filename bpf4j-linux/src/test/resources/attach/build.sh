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
for name in trace btf_tracing uprobe net; do
    "$clang" -O2 -g -target bpf -D__TARGET_ARCH_x86 -I/usr/include/"$arch"-linux-gnu -Wall -Werror \
        -c "src/$name.bpf.c" -o "$name.bpf.o"
    echo "built $name.bpf.o"
done
gcc -O1 -g -Wall -Werror -fno-inline -o target src/target.c
echo "built target"
