#!/bin/sh
# Workloads for the side-by-side scripts (run with -c "/bin/sh workload.sh MODE ARGS"): each execs its program, so the program
# keeps the pid that cpid names, with its output sent to /dev/null so that only the tracer's
# output is compared.
set -eu
mode=$1
shift
case "$mode" in
    open) exec /bin/cat /etc/hostname /etc/passwd /etc/group > /dev/null ;;
    dd) exec /bin/dd if=/dev/zero of=/dev/null bs="$1" count="$2" 2> /dev/null ;;
    exit) exec /bin/sh -c "exit $1" ;;
    sleep) exec /bin/sleep "$1" ;;
    target) program=$1; shift; exec "$program" "$@" > /dev/null ;;
    *) echo "unknown workload $mode" >&2; exit 2 ;;
esac
