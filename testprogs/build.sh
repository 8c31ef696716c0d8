#!/bin/sh
# Rebuilds every test program object (testprogs/*.o) and the README example
# (examples/xdp_firewall.o) from their C sources with clang -O2 -g -target bpf. Needs clang-19 and
# the libbpf headers (/usr/include/bpf, Debian/Ubuntu package libbpf-dev); the tests need neither.
# Sources are compiled by relative path from testprogs/, so the objects do not depend on where
# the checkout is (-fdebug-compilation-dir=. keeps the build directory out of the debug info). After a rebuild, run record-expected.sh (root) to refresh expected/.
# Usage: testprogs/build.sh [CLANG]
set -eu
cd "$(dirname "$0")"
clang=${1:-${CLANG:-clang-19}}
if [ ! -f /usr/include/bpf/bpf_helpers.h ]; then
    echo "build.sh: /usr/include/bpf/bpf_helpers.h is missing; install libbpf-dev" >&2
    exit 2
fi
flags="-O2 -g -fdebug-compilation-dir=. -target bpf -I/usr/include/$(uname -m)-linux-gnu -Isrc -Wall -Werror"
build() { # source output extra-flags...
    src=$1 out=$2
    shift 2
    "$clang" $flags "$@" -c "$src" -o "$out"
    echo "built $out"
}
for src in src/*.c; do
    name=$(basename "$src" .c)
    case $name in
    calls) build "$src" "$name.o" -mcpu=v3 ;; # atomic fetch operations need v3
    *) build "$src" "$name.o" ;;
    esac
done
# -mcpu=v4 variants: sign-extending loads and moves, signed division and modulo, bswap.
for name in calls alu; do
    build "src/$name.c" "$name.v4.o" -mcpu=v4
done
build ../examples/xdp_firewall.c ../examples/xdp_firewall.o
