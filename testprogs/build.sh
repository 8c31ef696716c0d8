#!/bin/sh
# Rebuilds every test program object (testprogs/*.o) and the README example
# (examples/xdp_firewall.o) from their C sources. Needs clang-19 and the libbpf headers
# (/usr/include/bpf, Debian/Ubuntu package libbpf-dev); the tests themselves need neither.
# Usage: testprogs/build.sh [CLANG]
set -eu
here=$(cd "$(dirname "$0")" && pwd)
clang=${1:-${CLANG:-clang-19}}
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
    echo "build.sh: /usr/include/bpf/bpf_helpers.h is missing; install libbpf-dev" >&2
    exit 2
fi
arch_inc=/usr/include/$(uname -m)-linux-gnu
flags="-O2 -g -target bpf -I$arch_inc -I$here/src -Wall -Werror -Wno-unused-function"
build() { # source output extra-flags...
    src=$1 out=$2
    shift 2
    "$clang" $flags "$@" -c "$src" -o "$out"
    echo "built $(basename "$out")"
}
for src in "$here"/src/*.c; do
    name=$(basename "$src" .c)
    build "$src" "$here/$name.o"
done
# -mcpu=v4 variants: sign-extending loads and moves, signed division, bswap, 32-bit offsets of gotol.
for name in calls alu; do
    build "$here/src/$name.c" "$here/$name.v4.o" -mcpu=v4
done
build "$here/../examples/xdp_firewall.c" "$here/../examples/xdp_firewall.o"
