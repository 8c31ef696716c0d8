#!/bin/sh
# Rebuilds 'watched', the target of bpf4j trace's watchpoint tests, from watched.c with gcc. The
# binary is committed, so the tests need no compiler.
set -eu
cd "$(dirname "$0")"
gcc -O1 -g -Wall -Werror -pthread -o watched watched.c
echo "built watched"
