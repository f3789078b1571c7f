#!/bin/bash
# manyports.sh [NETECHOD [NETECHO]]: what 1,024 TCP and 1,024 UDP ports
# cost, measured in a network namespace of its own: start-up time and
# resident memory of netechod on ports 20000-21023 against the same on
# one port, the connection rate and ping-pong rate on one of the many
# ports against the single-port daemon (echoload from ../shared/bench,
# alternating, ROUNDS rounds), and how long netecho --scan takes over the
# 1,024 TCP ports. Figures only: not part of make check.
set -u
cd "$(dirname "$0")/.."
rounds=${ROUNDS:-5} secs=${SECS:-5} benchdir=${BENCHDIR:-../shared/bench}
netechod=$(readlink -f "${1:-build/bench/netechod}")
netecho=$(readlink -f "${2:-build/bench/netecho}")
if [ -z "${MANYPORTS_IN_NS:-}" ]; then
	export MANYPORTS_IN_NS=1
	exec unshare --net -- bash "$0" "$netechod" "$netecho"
fi
ip link set lo up
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -pthread -o "$T/echoload" "$benchdir/echoload.c" || exit 70
ulimit -n "$(ulimit -Hn)"

conf() {  # conf PORTS
	printf '[server]\nhost = 127.0.0.1\nport = %s\nbacklog = 4096\n' "$1"
	printf '[tcp]\nreply_prefix = ""\nmax_connections = 20000\n[report]\nenabled = no\n'
	printf '[log]\nlevel = notice\ndata = no\n'
}
SERVER=
STARTUP=
start() {  # start PORTS: STARTUP gets the seconds until it said it started
	conf "$1" >"$T/n.conf"
	: >"$T/n.err"
	local t0 t1
	t0=$(date +%s%N)
	"$netechod" -f -c "$T/n.conf" >/dev/null 2>"$T/n.err" &
	SERVER=$!
	until grep -q 'started' "$T/n.err"; do sleep 0.005; done
	t1=$(date +%s%N)
	STARTUP=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')
}
stop() { kill "$SERVER"; wait "$SERVER" 2>/dev/null; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$SERVER/status"; }
fds() { ls "/proc/$SERVER/fd" | wc -l; }
median() { sort -g | awk '{ v[NR] = $1 } END { m = int((NR + 1) / 2); print NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'; }
field() { tr ' ' '\n' | sed -n "s/^$1=\\([0-9.]*\\)\$/\\1/p" | head -n 1; }

declare -A r
for round in $(seq "$rounds"); do
	for side in many one; do
		if [ $side = many ]; then ports=20000-21023; else ports=20500; fi
		start $ports
		r[start-$side]="${r[start-$side]:-} $STARTUP"
		r[rss-$side]="${r[rss-$side]:-} $(rss)"
		r[fds-$side]="${r[fds-$side]:-} $(fds)"
		r[cps-$side]="${r[cps-$side]:-} $("$T/echoload" -m connect -p 20500 -c 16 -s 64 \
			-d "$secs" | field cps)"
		r[rps-$side]="${r[rps-$side]:-} $("$T/echoload" -m pingpong -p 20500 -c 50 -s 64 \
			-d "$secs" | field rps)"
		if [ $side = many ]; then
			t0=$(date +%s%N)
			"$netecho" --scan -c 64 127.0.0.1 20000-21023 >"$T/scan.out"
			t1=$(date +%s%N)
			r[scan]="${r[scan]:-} $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", (b - a) / 1e9 }')"
			tail -n 1 "$T/scan.out" >&2
		fi
		stop
		echo "round $round $side done" >&2
	done
done
printf '%-44s %12s %12s\n' "median of $rounds rounds" "1024 ports" "1 port"
for k in start rss fds cps rps; do
	a=$(echo "${r[$k-many]}" | tr ' ' '\n' | grep . | median)
	b=$(echo "${r[$k-one]}" | tr ' ' '\n' | grep . | median)
	case $k in
	start) label="start-up, s (until \"started\")" ;;
	rss) label="resident memory, KiB" ;;
	fds) label="descriptors open" ;;
	cps) label="connect 16 parallel on one port, conn/s" ;;
	rps) label="ping-pong 50 conns 64 B on one port, req/s" ;;
	esac
	printf '%-44s %12s %12s\n' "$label" "$a" "$b"
done
printf '%-44s %12s\n' "netecho --scan of the 1024 TCP ports, s" \
	"$(echo "${r[scan]}" | tr ' ' '\n' | grep . | median)"
