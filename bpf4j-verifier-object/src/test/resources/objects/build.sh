#!/bin/sh
# Rebuilds the objects of the verifier's real-object tests (objects/*.o) from src/*.c with
# clang -O2 -g -target bpf. Needs clang-19 and the libbpf headers (libbpf-dev); the tests need
# neither (the objects are committed). Deterministic: relative paths, -fdebug-compilation-dir=.
# Usage: build.sh [CLANG]
set -eu
cd "$(dirname "$0")"
clang=${1:-${CLANG:-clang-19}}
flags="-O2 -g -fdebug-compilation-dir=. -target bpf -I/usr/include/$(uname -m)-linux-gnu -Isrc -Wall -Werror"
for src in src/*.c; do
    name=$(basename "$src" .c)
    "$clang" $flags -mcpu=v3 -c "$src" -o "$name.o"
    echo "built $name.o"
done
