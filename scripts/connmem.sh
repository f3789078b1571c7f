#!/bin/bash
# connmem.sh: netechod's resident memory per held TCP connection, with
# [log] path_facts on and off, alternating in one run (the log at info,
# the shipped level, so that the open and close lines are formatted).
# Not part of make check; only figures.
#
#   scripts/connmem.sh [-c CONNS] [-r ROUNDS] [-d SECONDS] [-b BENCHDIR] [NETECHOD]
#
# CONNS (10000) connections held by echoload -m hold (from BENCHDIR,
# ../shared/bench) for SECONDS (5), each verified twice; the figure is
# (peak RSS - RSS before) / verified connections, in bytes; ROUNDS (3)
# rounds, medians. NETECHOD defaults to build/plain/netechod. Needs root
# for the private network namespace (ports of its own).
set -u
cd "$(dirname "$0")/.."
conns=10000 rounds=3 secs=5 benchdir=../shared/bench level=info
while getopts c:r:d:b:l: opt; do
	case $opt in
	l) level=$OPTARG ;;
	c) conns=$OPTARG ;;
	r) rounds=$OPTARG ;;
	d) secs=$OPTARG ;;
	b) benchdir=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
netechod=$(readlink -f "${1:-build/plain/netechod}")
[ -x "$netechod" ] || { echo "connmem: no netechod at $netechod" >&2; exit 66; }
[ -f "$benchdir/echoload.c" ] || { echo "connmem: no echoload.c in $benchdir (-b DIR)" >&2
	exit 69; }

if [ -z "${CONNMEM_IN_NS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	export CONNMEM_IN_NS=1
	exec unshare --net -- bash "$0" -c "$conns" -r "$rounds" -d "$secs" -b "$benchdir" \
		-l "$level" "$netechod"
fi
[ -n "${CONNMEM_IN_NS:-}" ] && ip link set lo up

T=$(mktemp -d "${TMPDIR:-/tmp}/connmem.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -o "$T/echoload" "$benchdir/echoload.c" || exit 70
ulimit -n "$(ulimit -Hn)"
PORT=21000

rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
median() {
	sort -g | awk '{ v[NR] = $1 }
		END { m = int((NR + 1) / 2); print NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'
}

round() {  # PATH-FACTS: prints bytes per connection
	local facts=$1 server idle peak v load verified
	cat >"$T/n.conf" <<EOF
[server]
host = 127.0.0.1
port = $PORT
backlog = 4096
[tcp]
reply_prefix = ""
max_connections = $((conns + 1000))
[udp]
enabled = no
[report]
enabled = no
[log]
level = $level
rate_limit = 0
path_facts = $facts
EOF
	"$netechod" -f -c "$T/n.conf" >/dev/null 2>"$T/n.err" &
	server=$!
	for _ in $(seq 100); do
		grep -q 'started' "$T/n.err" && break
		sleep 0.1
	done
	idle=$(rss_kb "$server")
	"$T/echoload" -m hold -p $PORT -c "$conns" -d "$secs" >"$T/hold.out" &
	load=$!
	peak=$idle
	while kill -0 $load 2>/dev/null; do
		v=$(rss_kb "$server")
		[ "${v:-0}" -gt "$peak" ] && peak=$v
		sleep 0.05
	done
	wait $load
	verified=$(sed -n 's/.*verified=\([0-9]*\).*/\1/p' "$T/hold.out")
	if ! kill "$server" 2>/dev/null; then
		echo "  netechod ended before it was stopped; its last lines:" >&2
		tail -n 5 "$T/n.err" >&2
		verified=0
	fi
	wait "$server"
	echo "  netechod exit status $?" >&2
	echo "  path_facts=$facts: idle ${idle} KiB, peak ${peak} KiB, ${verified:-0} verified" >&2
	# a round that did not hold them all (echoload ran out of time, the
	# daemon ended) is left out of the figures, and said so
	if [ "${verified:-0}" -ne "$conns" ]; then
		echo "  (left out: ${verified:-0} of $conns held)" >&2
		return
	fi
	awk -v p="$peak" -v i="$idle" -v n="$verified" \
		'BEGIN { printf "%.0f\n", (n > 0 ? (p - i) * 1024 / n : 0) }'
}

echo "netechod: $netechod; $conns connections, $rounds rounds of ${secs}s" >&2
on="" off=""
for r in $(seq "$rounds"); do
	if [ $((r % 2)) -eq 1 ]; then
		on="$on $(round yes)" off="$off $(round no)"
	else
		off="$off $(round no)" on="$on $(round yes)"
	fi
done
printf 'path_facts=yes bytes/connection: %s (rounds:%s)\n' \
	"$(tr ' ' '\n' <<<"$on" | grep . | median)" "$on"
printf 'path_facts=no  bytes/connection: %s (rounds:%s)\n' \
	"$(tr ' ' '\n' <<<"$off" | grep . | median)" "$off"
