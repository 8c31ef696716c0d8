#!/bin/sh
# Regenerates testprogs/expected/*.txt from the running kernel (root, bpftool, taskset, python3).
# Usage: testprogs/record-expected.sh [OBJECT.o ...]
set -eu
exec python3 "$(cd "$(dirname "$0")" && pwd)/tools/record.py" "$@"
