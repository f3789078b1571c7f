#!/bin/bash
# bench.sh (make bench): netechod against socat, the echo server most
# people would reach for ("socat TCP-LISTEN:PORT,fork,reuseaddr PIPE"),
# driven by netecho --bench. Each workload runs on both, alternating round
# by round in the same run; the table gives medians and ratios. Not part
# of make check, and never a pass or fail: figures only.
#
#   scripts/bench.sh [-r ROUNDS] [-d SECONDS] [BUILDDIR]
#
# ROUNDS (3) rounds of SECONDS (5) each; BUILDDIR holds netechod and
# netecho (default: build/bench, built optimised if missing). Needs socat.
set -u
cd "$(dirname "$0")/.."
rounds=3 secs=5
while getopts r:d: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	d) secs=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
dir=${1:-}
. ./scripts/setup.sh
if [ -z "$dir" ]; then
	need_packages socat || exit 69
	build build/bench CFLAGS="-O2 -g" >&2 || exit 70
	dir=build/bench
fi
dir=$(readlink -f "$dir")
command -v socat >/dev/null || { echo "bench: socat is not installed (apt-get install socat)" \
	>&2; exit 69; }

# a private network namespace (as root): nothing else on this port
if [ -z "${BENCH_IN_NS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	export BENCH_IN_NS=1
	exec unshare --net -- bash "$0" -r "$rounds" -d "$secs" "$dir"
fi
[ -n "${BENCH_IN_NS:-}" ] && ip link set lo up

T=$(mktemp -d "${TMPDIR:-/tmp}/bench.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
ulimit -n "$(ulimit -Hn)"
PORT=22000
cat >"$T/n.conf" <<EOF
[server]
host = 127.0.0.1
port = $PORT
backlog = 4096
[tcp]
reply_prefix = ""
[log]
level = notice
EOF

SERVER=
start() {
	if [ "$1" = netechod ]; then
		"$dir/netechod" -f -c "$T/n.conf" >/dev/null 2>&1 &
	else
		socat "TCP-LISTEN:$PORT,fork,reuseaddr,backlog=4096" PIPE >/dev/null 2>&1 &
	fi
	SERVER=$!
	wait_listen tcp $PORT
}
stop() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; }

json() { tr ',{}' '\n\n\n' | sed -n "s/^\"$1\":\\([0-9.]*\\)\$/\\1/p" | head -n 1; }
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { m = int((NR + 1) / 2); print NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'
}

declare -A results
# workload NAME CONNS SIZE: the figures of one run of netecho --bench
workload() {
	local name=$1 c=$2 s=$3 r side out
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod socat" \
			|| echo "socat netechod"); do
			start "$side" || continue
			out=$("$dir/netecho" --bench --json -c "$c" -s "$s" -d "$secs" 127.0.0.1 \
				$PORT)
			stop
			for k in requests_per_s mb_per_s_in p50 p99; do
				v=$(echo "$out" | json "$k")
				results[$name:$k:$side]="${results[$name:$k:$side]:-} $v"
			done
			printf '  %-10s %-9s %s req/s, p99 %s ms\n' "$name" "$side" \
				"$(echo "$out" | json requests_per_s)" "$(echo "$out" | json p99)" \
					>&2
		done
	done
}

socat_version=$(socat -V 2>/dev/null | sed -n 's/^socat version \([^ ]*\).*/\1/p')
commit=$(git rev-parse --short HEAD 2>/dev/null)
echo "netechod $("$dir/netechod" -V | cut -d' ' -f2), commit $commit;" \
	"socat $socat_version; $rounds rounds x ${secs}s, alternating; $(nproc) cores" >&2
workload pingpong50 50 64
workload single 1 64
workload big 4 65536
workload many 500 64

printf '\n%-42s %12s %12s %7s\n' "netecho --bench (median of $rounds)" netechod socat ratio
row() {  # NAME KEY LABEL
	local a b
	a=$(echo "${results[$1:$2:netechod]:-}" | tr ' ' '\n' | grep . | median)
	b=$(echo "${results[$1:$2:socat]:-}" | tr ' ' '\n' | grep . | median)
	printf '%-42s %12s %12s %7s\n' "$3" "${a:--}" "${b:--}" \
		"$(awk -v a="${a:-0}" -v b="${b:-0}" \
			'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')"
}
row pingpong50 requests_per_s "50 connections, 64 B: requests/s"
row pingpong50 p99 "50 connections, 64 B: p99 latency, ms"
row single requests_per_s "1 connection, 64 B: requests/s"
row single p50 "1 connection, 64 B: p50 latency, ms"
row big mb_per_s_in "4 connections, 64 KiB: MB/s"
row many requests_per_s "500 connections, 64 B: requests/s"
