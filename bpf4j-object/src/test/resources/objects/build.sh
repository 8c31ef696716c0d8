#!/bin/sh
# Rebuilds the test objects from their sources. Needs clang-19 and libbpf-dev
# (apt-get install -y clang-19 libbpf-dev). The .o files are committed, so the tests do not need clang.
set -eu
cd "$(dirname "$0")"
CLANG=${CLANG:-clang-19}
INC="-I/usr/include/$(uname -m)-linux-gnu -fdebug-prefix-map=$(pwd)/="
for src in features sections btfkinds map_extra; do
	$CLANG -O2 -g -target bpf -D__TARGET_ARCH_x86 $INC -c $src.bpf.c -o $src.o
done
$CLANG -O2 -target bpf $INC -c legacy.bpf.c -o legacy.o
$CLANG -O2 -g -target bpf $INC -c target.bpf.c -o target.o
