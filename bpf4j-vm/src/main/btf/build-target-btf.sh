#!/bin/sh
# Regenerates ../resources/org/bpf4j/vm/vm-target.btf, the VM's target BTF for CO-RE, from
# vm_target.c compiled against the running kernel's types (bpftool btf dump of
# /sys/kernel/btf/vmlinux; committed from Linux 6.18.44, the kernel testprogs/expected was
# recorded on). Needs clang-19, bpftool and llvm-objcopy; the build and the tests need none of
# them (the .btf file is committed).
# Usage: bpf4j-vm/src/main/btf/build-target-btf.sh [CLANG]
set -eu
cd "$(dirname "$0")"
clang=${1:-${CLANG:-clang-19}}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bpftool btf dump file /sys/kernel/btf/vmlinux format c > "$tmp/vmlinux.h"
cp vm_target.c "$tmp/vm_target.c"
(cd "$tmp" && "$clang" -O2 -g -target bpf -Wall -Werror -c vm_target.c -o vm_target.o)
objcopy=$(command -v llvm-objcopy-19 || command -v llvm-objcopy)
"$objcopy" --dump-section .BTF="$tmp/vm-target.btf" "$tmp/vm_target.o"
cp "$tmp/vm-target.btf" ../resources/org/bpf4j/vm/vm-target.btf
echo "wrote bpf4j-vm/src/main/resources/org/bpf4j/vm/vm-target.btf ($(wc -c < "$tmp/vm-target.btf") bytes)"
