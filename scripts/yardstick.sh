#!/bin/bash
# yardstick.sh: netechod against the minimal reference servers of the same
# design, driven by the independent load generator echoload (all from the
# shared bench directory, built outside this tree). Every workload runs in
# one run, netechod and its reference alternating round by round; the
# table gives medians and ratios. Not part of make check; never a pass or
# fail, only figures.
#
#   scripts/yardstick.sh [-r ROUNDS] [-d SECONDS] [-b BENCHDIR] [-w LIST]
#                        [-e 'KEY = VALUE']... [NETECHOD]
#
# ROUNDS (3) rounds of SECONDS (5) each; BENCHDIR defaults to
# ../shared/bench; LIST picks workloads (pingpong,stream,connect,hold,udp,
# logging,facts,acl,epoll; facts is the connection rate with [log]
# path_facts on against the same daemon with it off, acl with a deny list of
# 10,000 prefixes of every length from /8 to /32 against none); -e adds a line to the [tcp] section of netechod's
# configuration (e.g. -e 'thread_cache = 0'); NETECHOD defaults to the
# optimised build in build/bench (made if missing).
set -u
cd "$(dirname "$0")/.."
rounds=3 secs=5 benchdir=../shared/bench \
	only=pingpong,stream,connect,hold,udp,logging,facts,acl,epoll \
	extra=""
while getopts r:d:b:w:e: opt; do
	case $opt in
	r) rounds=$OPTARG ;;
	d) secs=$OPTARG ;;
	b) benchdir=$OPTARG ;;
	w) only=$OPTARG ;;
	e) extra="$extra$OPTARG"$'\n' ;;
	*) sed -n '2,/^set -u/p' "$0" | sed 's/^# \{0,1\}//; /^set -u/d'; exit 64 ;;
	esac
done
shift $((OPTIND - 1))
netechod=${1:-}
. ./scripts/setup.sh

[ -f "$benchdir/echoload.c" ] || { echo "yardstick: no echoload.c in $benchdir (-b DIR)" >&2; exit \
	69; }
if [ -z "$netechod" ]; then
	build build/bench CFLAGS="-O2 -g" >&2 || exit 70
	netechod=build/bench/netechod
fi
netechod=$(readlink -f "$netechod")

# a private network namespace (as root): nothing else on these ports
if [ -z "${YARDSTICK_IN_NS:-}" ] && [ "$(id -u)" -eq 0 ] && unshare --net true 2>/dev/null; then
	export YARDSTICK_IN_NS=1
	exec unshare --net -- bash "$0" -r "$rounds" -d "$secs" -b "$benchdir" -w "$only" \
		${extra:+-e "$extra"} "$netechod"
fi
[ -n "${YARDSTICK_IN_NS:-}" ] && ip link set lo up

T=$(mktemp -d "${TMPDIR:-/tmp}/yardstick.XXXXXX")
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
for tool in echoload refecho_threads refecho_epoll refudp; do
	cc -O2 -pthread -o "$T/$tool" "$benchdir/$tool.c" || exit 70
done
ulimit -n "$(ulimit -Hn)"
PORT=21000

median() {
	sort -g | awk '{ v[NR] = $1 }
		END { m = int((NR + 1) / 2); print NR % 2 ? v[m] : (v[m] + v[m + 1]) / 2 }'
}
field() { tr ' ' '\n' | sed -n "s/^$1=\\([0-9.]*\\)\$/\\1/p" | head -n 1; }


SERVER=
start_netechod() {  # CONF-LEVEL PREFIX DATA [PATH-FACTS] [SERVER-LINE]
	cat >"$T/n.conf" <<EOF
[server]
host = 127.0.0.1
port = $PORT
backlog = 4096
${5:-}
[tcp]
reply_prefix = "$2"
max_connections = 20000
$extra
[udp]
echo = no
[log]
level = $1
data = $3
path_facts = ${4:-yes}
[report]
port = $((PORT + 1))
EOF
	"$netechod" -f -c "$T/n.conf" >/dev/null 2>"$T/n.err" &
	SERVER=$!
	wait_listen tcp $PORT && wait_listen udp $PORT
}
start_ref() {  # NAME
	"$T/$1" $PORT >"$T/ref.out" 2>&1 &
	SERVER=$!
	case $1 in refudp) wait_listen udp $PORT ;; *) wait_listen tcp $PORT ;; esac
}
stop_server() { kill "$SERVER" 2>/dev/null; wait "$SERVER" 2>/dev/null; SERVER=; }
rss_kb() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }

# one round of a TCP workload against the server now running; prints the figure
tcp_round() {  # ECHOLOAD-ARGS... -- KEY
	local key=${!#}
	"$T/echoload" -p $PORT "${@:1:$(($# - 1))}" | field "$key"
}

declare -A results
measure() {  # NAME SIDE FIGURE
	results[$1:$2]="${results[$1:$2]:-} $3"
	printf '  %-10s %-10s round: %s\n' "$1" "$2" "$3" >&2
}

# a workload, alternating netechod and a reference round by round
compare() {  # NAME REFERENCE KEY NETECHOD-LEVEL PREFIX ECHOLOAD-ARGS...
	local name=$1 ref=$2 key=$3 level=$4 prefix=$5 r
	shift 5
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then start_netechod "$level" "$prefix" no; else \
				start_ref "$ref"; fi
			measure "$name" "$side" "$(tcp_round "$@" -d "$secs" "$key")"
			stop_server
		done
	done
}

echo "netechod: $netechod ($("$netechod" -V)), commit $(git rev-parse --short HEAD 2>/dev/null)$(
	git diff --quiet 2>/dev/null || echo '+changes')" >&2
echo "rounds: $rounds x ${secs}s; machine: $(nproc) cores; ${extra:+netechod [tcp] extra: $extra}" \
	>&2

case ",$only," in *,pingpong,*) compare pingpong refecho_threads rps notice "" -m pingpong -c 50 \
	-s 64 ;; esac
case ",$only," in *,stream,*) compare stream refecho_threads MBps notice "" -m stream -c 4 -s \
	65536 ;; esac
case ",$only," in *,connect,*) compare connect refecho_threads cps notice "" -m connect -c 16 -s \
	64 ;; esac
case ",$only," in *,epoll,*) compare epoll refecho_epoll rps notice "" -m pingpong -c 50 -s 64 \
	;; esac

# 10,000 connections held, each verified twice, with the server's RSS
if case ",$only," in *,hold,*) true ;; *) false ;; esac; then
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then start_netechod notice "" no; else \
				start_ref refecho_threads; fi
			idle=$(rss_kb "$SERVER")
			"$T/echoload" -m hold -p $PORT -c 10000 -d "$secs" >"$T/hold.out" &
			load=$!
			peak=$idle
			while kill -0 $load 2>/dev/null; do
				v=$(rss_kb "$SERVER")
				[ "${v:-0}" -gt "$peak" ] && peak=$v
				sleep 0.05
			done
			wait $load
			verified=$(field verified <"$T/hold.out")
			measure hold "$side" "$verified"
			measure hold-rss "$side" \
				"$(awk -v p="$peak" -v i="$idle" -v n="${verified:-1}" \
					'BEGIN { printf "%.1f", (p - i) / (n > 0 ? n : 1) }')"
			stop_server
		done
	done
fi

# UDP: 500,000 datagrams; the server's own count
if case ",$only," in *,udp,*) true ;; *) false ;; esac; then
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then start_netechod notice "" no; else \
				start_ref refudp; fi
			"$T/echoload" -m udp -p $PORT -s 64 -n 500000 -d 60 >"$T/udp.out"
			if [ "$side" = netechod ]; then
				n=-1
				for _ in $(seq 100); do
					kill -USR1 "$SERVER"
					sleep 0.2
					now=$(grep 'stats uptime=' "$T/n.err" | tail -n 1 | field \
						udp_datagrams)
					[ "${now:-0}" = "$n" ] && break
					n=${now:-0}
				done
				stop_server
			else
				wait "$SERVER"  # refudp prints its count after an idle second
				n=$(field received <"$T/ref.out")
				SERVER=
			fi
			measure udp "$side" "$n"
		done
	done
fi

# the shipped defaults (prefix and data logging on, level info) against
# the same daemon at level notice
if case ",$only," in *,logging,*) true ;; *) false ;; esac; then
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then start_netechod info "Receive: " yes; else \
				start_netechod notice "Receive: " yes; fi
			measure logging "$side" \
				"$(tcp_round -m pingpong -c 50 -s 64 -x 9 -d "$secs" rps)"
			stop_server
		done
	done
fi

# the SYN facts: the connection rate with path_facts (the listener saving
# each SYN, a getsockopt and a parse per connection) against without
if case ",$only," in *,facts,*) true ;; *) false ;; esac; then
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then start_netechod notice "" no yes; else \
				start_netechod notice "" no no; fi
			measure facts "$side" "$(tcp_round -m connect -c 16 -s 64 -d "$secs" cps)"
			stop_server
		done
	done
fi

# an access list of 10,000 prefixes (none of them 127.0.0.1's: every
# client is looked up and allowed) against none
if case ",$only," in *,acl,*) true ;; *) false ;; esac; then
	awk 'BEGIN { srand(1); for (i = 0; i < 10000; i++) { len = 8 + int(rand() * 25);
		a = 10 + int(rand() * 100); b = int(rand() * 256); c = int(rand() * 256);
		d = int(rand() * 256); ip = a * 16777216 + b * 65536 + c * 256 + d;
		m = 2 ^ (32 - len); ip = int(ip / m) * m;
		printf "%d.%d.%d.%d/%d\n", int(ip / 16777216), int(ip / 65536) % 256,
			int(ip / 256) % 256, ip % 256, len } }' >"$T/deny.list"
	for r in $(seq "$rounds"); do
		for side in $( [ $((r % 2)) -eq 1 ] && echo "netechod ref" \
			|| echo "ref netechod"); do
			if [ "$side" = netechod ]; then
				start_netechod notice "" no yes "deny_file = $T/deny.list"
			else
				start_netechod notice "" no yes
			fi
			measure acl "$side" "$(tcp_round -m connect -c 16 -s 64 -d "$secs" cps)"
			stop_server
		done
	done
fi

# the table: medians of each side, and the median of the rounds' own
# ratios (each round's pair ran back to back, so that ratio is the one a
# drifting machine disturbs least)
printf '\n%-46s %11s %11s %7s %7s  %s\n' "workload (median of $rounds)" netechod reference ratio \
	paired target
row() {  # NAME LABEL TARGET
	local a b paired
	[ -n "${results[$1:netechod]:-}" ] || return
	a=$(echo "${results[$1:netechod]}" | tr ' ' '\n' | grep . | median)
	b=$(echo "${results[$1:ref]}" | tr ' ' '\n' | grep . | median)
	paired=$(paste <(echo "${results[$1:netechod]}" | tr ' ' '\n' | grep .) \
		       <(echo "${results[$1:ref]}" | tr ' ' '\n' | grep .) |
		awk '$2 > 0 { printf "%.4f\n", $1 / $2 }' | median)
	printf '%-46s %11s %11s %7s %7s  %s\n' "$2" "$a" "$b" "$(ratio "$a" "$b")" \
		"$(ratio "${paired:-0}" 1)" "$3"
}
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { print (a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-") }'
}
row pingpong "ping-pong 50 conns 64 B, req/s (threads)" ">= 0.95"
row stream "stream 4 conns 64 KiB, MB/s (threads)" ">= 0.95"
row connect "connect 16 parallel, conn/s (threads)" ">= 1.0"
row hold "hold 10,000, verified (threads)" "all 10000"
row hold-rss "hold 10,000, RSS KiB per connection (threads)" "<= 16"
row udp "UDP 500,000 x 64 B, datagrams counted (refudp)" ">= 0.9"
row logging "defaults (prefix, data logging) vs notice" ">= 0.8"
row facts "connect 16, conn/s: path_facts on vs off" ">= 0.97"
row acl "connect 16, conn/s: 10,000-prefix list vs none" ">= 0.97"
row epoll "ping-pong 50 conns 64 B, req/s (epoll)" ">= 0.8 stretch"
