#!/bin/sh
# check-repeat.sh: runs "make check" of a build again and again, with no
# retry, to show that no test flakes; optionally with CPU-bound processes
# running beside it, as a loaded CI machine would.
#
#   scripts/check-repeat.sh BUILDDIR [RUNS [BUSY]]
#
# RUNS (default 20) runs, each one make check of the whole suite in
# BUILDDIR; BUSY (default 0) processes spinning on a CPU each meanwhile.
# Stops at the first failing run and shows its failed tests' logs. Prints
# "N of N runs passed" and exits non-zero if any failed. SOAK_SECONDS is
# passed on (the soak test alone takes that long each run).
set -u
dir=${1:?usage: check-repeat.sh BUILDDIR [RUNS [BUSY]]}
runs=${2:-20}
busy=${3:-0}
hogs=

stop_hogs() {
	for p in $hogs; do kill "$p" 2>/dev/null; done
	hogs=
}
trap stop_hogs EXIT INT TERM

i=0
while [ $i -lt "$busy" ]; do
	sh -c 'while :; do :; done' &
	hogs="$hogs $!"
	i=$((i + 1))
done

passed=0
n=0
while [ $n -lt "$runs" ]; do
	n=$((n + 1))
	start=$(date +%s)
	if make -C "$dir" -k -j2 check >"$dir/repeat-$n.out" 2>&1; then
		passed=$((passed + 1))
		echo "run $n: passed ($(( $(date +%s) - start )) s, $busy busy CPUs)"
		rm -f "$dir/repeat-$n.out"
	else
		echo "run $n: FAILED ($(( $(date +%s) - start )) s, $busy busy CPUs)"
		grep -E '^(FAIL|ERROR):' "$dir/repeat-$n.out"
		for log in $(grep -lE '^(FAIL|ERROR)' "$dir"/tests/*.log 2>/dev/null); do
			echo "--- $log"
			grep -E '^(FAIL|ok|#)' "$log" | tail -n 20
		done
		break
	fi
done
echo "$passed of $n runs passed ($busy busy CPUs)"
[ "$passed" -eq "$n" ]
