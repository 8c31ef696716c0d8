#!/bin/bash
# Runs every case in the running kernel again and compares with the committed expected/ files:
# exit 0 if the kernel still gives exactly the recorded results, 1 with a diff if not.
# Needs what record-expected.sh needs (root, bpftool, taskset, python3). The files were recorded
# on Linux 6.18; another kernel version may legitimately differ (see README.md).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
python3 "$here/tools/record.py" --out "$out" "$@" >/dev/null
status=0
for f in "$out"/*.txt; do
    if ! diff -u --label "expected/$(basename "$f")" --label "kernel now" \
            <(grep -v '^# Expected results' "$here/expected/$(basename "$f")") \
            <(grep -v '^# Expected results' "$f") 2>/dev/null; then
        status=1
    fi
done
[ $status = 0 ] && echo "check-kernel: the kernel gives the recorded results for $(ls "$out" | wc -l) objects"
exit $status
