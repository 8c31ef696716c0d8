#!/bin/sh
# Rebuilds the objects of the verifier's real-object tests (objects/*.o) from src/*.c with
# clang -O2 -g -target bpf. Needs clang-19 and the libbpf headers (libbpf-dev); sources that
# include "vmlinux.h" (kernel objects) also need bpftool and the running kernel's BTF
# (/sys/kernel/btf/vmlinux), from which the header is made in .vmlinux-h/ (removed after). The tests
# need none of these (the objects are committed). Deterministic: relative paths,
# -fdebug-compilation-dir=.
# Usage: build.sh [CLANG]
set -eu
cd "$(dirname "$0")"
clang=${1:-${CLANG:-clang-19}}
base="-O2 -g -fdebug-compilation-dir=. -target bpf"
# a fixed relative directory, so that the header's path in the debug info is the same on every build
gen=.vmlinux-h
trap 'rm -rf "$gen"' EXIT
mkdir -p "$gen"
for src in src/*.c; do
    name=$(basename "$src" .c)
    if grep -q '#include "vmlinux.h"' "$src"; then
        [ -f "$gen/vmlinux.h" ] || bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$gen/vmlinux.h"
        "$clang" $base -I"$gen" -Isrc -Wall -Werror -mcpu=v3 -c "$src" -o "$name.o"
    else
        "$clang" $base -I/usr/include/$(uname -m)-linux-gnu -Isrc -Wall -Werror -mcpu=v3 -c "$src" -o "$name.o"
    fi
    echo "built $name.o"
done
