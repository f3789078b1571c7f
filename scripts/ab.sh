#!/bin/bash
# ab.sh: two netechod binaries (a commit before a change and one after, say)
# driven by the shared bench's echoload, alternating round by round in one
# run; the table gives each one's median, the ratio of the medians and the
# median of each round's own ratio ("paired"). Not part of make check;
# figures only.
#
#   scripts/ab.sh [-r ROUNDS] [-d SECONDS] [-b BENCHDIR] [-w LIST]
#                 [-a 'LINE']... [-B 'LINE']... [-s PORT] A B
#
# ROUNDS (9) rounds of SECONDS (5); LIST picks workloads (connect,pingpong:
# 16 parallel new connections, 50 connections ping-ponging 64 bytes); -a
# and -B add a line to the end of A's or B's configuration (an older
# daemon may not know a newer key: e.g. -B '[report]' -B 'enabled = no').
# -s PORT: while B serves, GET its http://127.0.0.1:PORT/metrics once a
# second, as Prometheus would. The cost of [metrics], on and scraped,
# against off, in one run of the same binary:
#   scripts/ab.sh -s 9597 -B '[metrics]' -B 'enabled = yes' NETECHOD NETECHOD
# Both run with an empty reply prefix at log level notice, data off.
set -u
cd "$(dirname "$0")/.."
rounds=9 secs=5 benchdir=../shared/bench only=connect,pingpong extra_a="" extra_b="" scrape=""
while getopts r:d:b:w:a:B:s: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	d) secs=$OPTARG ;;
	b) benchdir=$OPTARG ;;
	w) only=$OPTARG ;;
	a) extra_a="$extra_a$OPTARG"$'\n' ;;
	B) extra_b="$extra_b$OPTARG"$'\n' ;;
	s) scrape=$OPTARG ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 2 ] || { echo "usage: ab.sh [options] A B (two netechod binaries)" >&2; exit 64; }
a=$(readlink -f "$1") b=$(readlink -f "$2")
[ -f "$benchdir/echoload.c" ] || { echo "ab: no echoload.c in $benchdir (-b DIR)" >&2; exit 69; }
if [ -n "$scrape" ] && ! command -v curl >/dev/null; then
	echo "ab: -s needs curl" >&2
	exit 69
fi

# a private network namespace (as root): nothing else on this port
if [ -z "${AB_IN_NS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	export AB_IN_NS=1 AB_EXTRA_A="$extra_a" AB_EXTRA_B="$extra_b"
	exec unshare --net -- bash "$0" -r "$rounds" -d "$secs" -b "$benchdir" -w "$only" \
		${scrape:+-s "$scrape"} "$a" "$b"
fi
if [ -n "${AB_IN_NS:-}" ]; then
	ip link set lo up
	extra_a=${AB_EXTRA_A:-} extra_b=${AB_EXTRA_B:-}
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/ab.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
cc -O2 -pthread -o "$T/echoload" "$benchdir/echoload.c" || exit 70
ulimit -n "$(ulimit -Hn)"
PORT=21000
for side in a b; do
	printf '[server]\nhost = 127.0.0.1\nport = %s\nbacklog = 4096\n[tcp]\nreply_prefix = ""\n' \
		$PORT >"$T/$side.conf"
	printf 'max_connections = 20000\n[udp]\necho = no\n[log]\nlevel = notice\ndata = no\n' \
		>>"$T/$side.conf"
done
printf '%s' "$extra_a" >>"$T/a.conf"
printf '%s' "$extra_b" >>"$T/b.conf"
"$a" -t -c "$T/a.conf" >/dev/null || exit 78
"$b" -t -c "$T/b.conf" >/dev/null || exit 78

median() {
	sort -g | awk '{ v[NR] = $1 }
		END { m = int((NR + 1) / 2); print NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'
}
field() { tr ' ' '\n' | sed -n "s/^$1=\\([0-9.]*\\)\$/\\1/p" | head -n 1; }
wait_listen() {
	for _ in $(seq 200); do
		ss -Htln "sport = :$PORT" | grep -q . && return 0
		sleep 0.05
	done
	echo "ab: nothing listens on $PORT" >&2
	return 1
}

# GET /metrics once a second until killed; a failed one is said
scrape_loop() {
	while :; do
		curl -sf -m 2 -o /dev/null "http://127.0.0.1:$scrape/metrics" ||
			echo "ab: a scrape of :$scrape failed" >&2
		sleep 1
	done
}

echo "A: $a ($("$a" -V))" >&2
echo "B: $b ($("$b" -V))" >&2
echo "rounds: $rounds x ${secs}s; machine: $(nproc) cores${scrape:+; B scraped on :$scrape each second}" >&2
printf '%-9s %10s %10s %7s %7s\n' workload A B B/A paired
for w in "connect cps -m connect -c 16 -s 64" "pingpong rps -m pingpong -c 50 -s 64"; do
	set -- $w
	name=$1 key=$2
	shift 2
	case ",$only," in *",$name,"*) ;; *) continue ;; esac
	: >"$T/a.r"
	: >"$T/b.r"
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "a b" || echo "b a"); do
			bin=$a
			[ $side = b ] && bin=$b
			"$bin" -f -c "$T/$side.conf" >/dev/null 2>"$T/$side.err" &
			server=$!
			wait_listen || exit 69
			scraper=""
			if [ -n "$scrape" ] && [ $side = b ]; then
				scrape_loop &
				scraper=$!
			fi
			v=$("$T/echoload" -p $PORT "$@" -d "$secs" | field "$key")
			[ -z "$scraper" ] || { kill "$scraper"; wait "$scraper" 2>/dev/null; }
			printf '  %-9s %s round %s: %s\n' "$name" "$side" "$r" "$v" >&2
			echo "${v:-0}" >>"$T/$side.r"
			kill "$server"
			wait "$server" 2>/dev/null
		done
	done
	ma=$(median <"$T/a.r") mb=$(median <"$T/b.r")
	paired=$(paste "$T/a.r" "$T/b.r" | awk '$1 > 0 { print $2 / $1 }' | median)
	printf '%-9s %10s %10s %7.2f %7.2f\n' "$name" "$ma" "$mb" \
		"$(awk -v a="$ma" -v b="$mb" 'BEGIN { print (a > 0 ? b / a : 0) }')" "$paired"
done
