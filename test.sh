#!/bin/bash
# test.sh: install what the build and the tests need, build, and run every
# test (make check). The last line is "N passed, N failed"; the exit status
# is non-zero when anything failed.
set -u
cd "$(dirname "$0")"
. ./scripts/setup.sh

TEST_PACKAGES="bash netcat-openbsd iproute2 util-linux strace mandoc"
need_packages $BUILD_PACKAGES $TEST_PACKAGES || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0

# tally DIR: adds the results of DIR's last make check.
tally() {
	local trs r
	for trs in $(find "$1" -name '*.trs' | sort); do
		r=$(sed -n 's/^:test-result: //p' "$trs")
		case $r in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)); echo "skipped: ${trs%.trs}" ;;
		*) failed=$((failed + 1)); echo "FAILED: ${trs%.trs} ($r)"; tail -n 25 "${trs%.trs}.log" ;;
		esac
	done
}

# suite NAME [CONFIGURE ARGS...]: builds in build/NAME and runs make check.
suite() {
	local name=$1 dir=build/$1
	shift
	echo "== $name: build"
	if ! build "$dir" "$@"; then
		echo "FAILED: $name: the build failed"
		failed=$((failed + 1))
		return
	fi
	echo "== $name: make check"
	find "$dir" -name '*.trs' -delete
	make -C "$dir" -k -j2 check >"$dir/check.out" 2>&1
	tally "$dir"
	grep -E '^# (TOTAL|PASS|FAIL|SKIP|ERROR)' "$dir/check.out" | tr '\n' ' '
	echo
}

suite plain

[ $skipped -eq 0 ] || echo "($skipped skipped)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
