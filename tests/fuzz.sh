#!/bin/bash
# fuzz: runs each libFuzzer target (config parser, payload escaping, the
# saved-SYN parser, the client's path report reader, the PROXY header
# parser, a log line made JSON, the /probe query parser, a [metrics] module line) for FUZZ_SECONDS
# (default 30) from the seed corpus in tests/fuzz/corpus. A crash, a leak, a sanitizer report or a broken
# invariant fails the test;
# the input that did it is kept in the test's log.
set -u
: "${top_builddir:=.}" "${top_srcdir:=.}"
secs=${FUZZ_SECONDS:-30}
[ -x "$top_builddir/tests/fuzz/fuzz_config" ] || {
	echo "SKIP: fuzz targets not built (./configure CC=clang --enable-fuzzers)"
	exit 77
}
T=$(mktemp -d "${TMPDIR:-/tmp}/netecho-fuzz.XXXXXX")
trap 'rm -rf "$T"' EXIT
status=0
for target in config escape synparse pathreport proxyparse logfmt probequery probemod; do
	mkdir "$T/$target"
	# new inputs go to the scratch directory; the seeds are only read
	"$top_builddir/tests/fuzz/fuzz_$target" -max_total_time="$secs" -timeout=10 \
		-rss_limit_mb=1024 \
		-print_final_stats=1 -artifact_prefix="$T/" \
		"$T/$target" "$top_srcdir/tests/fuzz/corpus/$target" >"$T/$target.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$target.log")
	echo "fuzz_$target: ${runs:-0} runs in ${secs}s, exit $rc"
	if [ $rc -ne 0 ]; then
		status=1
		tail -n 40 "$T/$target.log"
		for a in "$T"/crash-* "$T"/leak-* "$T"/timeout-* "$T"/oom-*; do
			[ -f "$a" ] && { echo "input ($a):"; od -c "$a" | head -n 20; }
		done
	fi
done
exit $status
