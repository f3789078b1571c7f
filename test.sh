#!/bin/bash
# test.sh: install what the build and the tests need, build, and run every
# test (make check) in each build: plain, ASan+UBSan, TSan; then the
# fuzzers; then make distcheck (which installs, runs make installcheck on
# the installed tree: units verified and rated, man pages linted) and the
# Debian package build with lintian. The last line is "N passed, N failed"
# (each test of each build, distcheck and the package counted); the exit
# status is non-zero when anything failed.
#
# SOAK_SECONDS (default 60) and FUZZ_SECONDS (default 30) shorten or
# lengthen the soak and fuzz runs.
#
# It takes about 25 minutes on 2 cores. Each step prints one line on stderr
# with the time since the start ("[12:34] tsan: make check (51 tests)"), and
# each suite its counts and its own duration when done. For a developer's quick
# check, `make check` in the plain build alone takes about 4 minutes.
set -u
cd "$(dirname "$0")"
. ./scripts/setup.sh

# tests: netcat and namespaces; strace, valgrind, clang's fuzzer and
# sanitizer runtimes; systemd-analyze and systemd-socket-activate (systemd),
# systemd-nspawn (systemd-container) to boot the units under a real
# systemd, /bin/kill (procps) and man for the units; the pages the man
# pages refer to; the Debian packaging tools
TEST_PACKAGES="bash netcat-openbsd iproute2 nftables jq haproxy util-linux procps strace valgrind
	clang libclang-rt-14-dev
	systemd systemd-container man-db mandoc manpages-dev iputils-ping
	debhelper dpkg-dev fakeroot lintian prometheus prometheus-blackbox-exporter curl tmux python3"
progress "test.sh: packages, 3 builds with make check, fuzzers, distcheck, package" \
	"(about 25 min on 2 cores)"
need_packages $BUILD_PACKAGES $TEST_PACKAGES || { echo "0 passed, 1 failed"; exit 1; }

passed=0 failed=0 skipped=0 parts=0

# tally DIR: adds the results of DIR's last make check; a part of a test
# that could not run ("ok N # SKIP why", tests/lib.sh's skip_part) is
# counted and listed too.
tally() {
	local trs r line
	for trs in $(find "$1" -name '*.trs' | sort); do
		r=$(sed -n 's/^:test-result: //p' "$trs")
		while IFS= read -r line; do
			parts=$((parts + 1))
			echo "skipped part: ${trs%.trs}: ${line#*# SKIP }"
		done < <(grep -E '^ok [0-9]+ # SKIP' "${trs%.trs}.log" 2>/dev/null)
		case $r in
		PASS|XFAIL) passed=$((passed + 1)) ;;
		SKIP) skipped=$((skipped + 1)); echo "skipped: ${trs%.trs}" ;;
		*) failed=$((failed + 1)); echo "FAILED: ${trs%.trs} ($r)"; tail -n 25 \
			"${trs%.trs}.log" ;;
		esac
	done
}

# suite NAME TESTS [CONFIGURE ARGS...]: builds in build/NAME and runs make
# check, of TESTS or of everything when TESTS is "all".
suite() {
	local name=$1 tests=$2 dir=build/$1 start n
	shift 2
	start=$(date +%s)
	progress "$name: build"
	if ! build "$dir" "$@"; then
		echo "FAILED: $name: the build failed"
		failed=$((failed + 1))
		return
	fi
	find "$dir" -name '*.trs' -delete
	if [ "$tests" = all ]; then
		n=$(make -s -C "$dir" -f Makefile -f - print-tests <<<'print-tests: ; @echo $(TESTS)' |
			wc -w)
		progress "$name: make check ($n tests)"
		make -C "$dir" -k -j2 check >"$dir/check.out" 2>&1
	else
		progress "$name: make check ($tests)"
		make -C "$dir" -k -j2 check TESTS="$tests" >"$dir/check.out" 2>&1
	fi
	tally "$dir"
	progress "$name: done in $(took "$start"):" \
		"$(grep -E '^# (TOTAL|PASS|SKIP|FAIL|ERROR)' "$dir/check.out" | sed 's/^# //' |
			tr -s ' ' | paste -sd ',' | sed 's/,/, /g')"
}

suite plain all
suite asan all --enable-sanitizers=address,undefined
suite tsan all --enable-sanitizers=thread
suite fuzz tests/fuzz.sh CC=clang --enable-fuzzers --enable-sanitizers=address,undefined

# step NAME COMMAND...: one more pass or fail, with its output on failure.
step() {
	local name=$1 start
	shift
	start=$(date +%s)
	progress "$name"
	if "$@" >"build/$name.out" 2>&1; then
		passed=$((passed + 1))
		grep -E '^(ok|#) |passed, .* failed|archives ready' "build/$name.out" | tail -n 4
		progress "$name: passed in $(took "$start")"
	else
		failed=$((failed + 1))
		progress "$name: FAILED after $(took "$start")"
		echo "FAILED: $name"
		tail -n 40 "build/$name.out"
	fi
}

# the release tarball builds, tests, installs (installcheck), uninstalls
# and cleans; its own make check runs a shorter soak
step distcheck env SOAK_SECONDS=10 make -C build/plain distcheck
step package bash tests/package.sh

progress "test.sh: done"
[ $skipped -eq 0 ] || echo "($skipped skipped)"
[ $parts -eq 0 ] || echo "($parts parts of tests skipped)"
echo "$passed passed, $failed failed"
[ $failed -eq 0 ]
