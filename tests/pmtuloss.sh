#!/bin/bash
# pmtuloss: netecho --pmtu under random loss (nft "numgen random mod 100
# < 20 drop" on the first router; this kernel has no netem), in the lab
# of two routers (tests/chain.sh):
#   IPv4, 20% of the packets towards the server lost; the path carries
#     1500-byte packets;
#   IPv4 and IPv6, 20% lost each way, the same path;
#   IPv4, 20% lost each way, and a silent bottleneck of 1400 behind (the
#     second router's ICMP dropped).
# Each runs RUNS times (10 clients at once, each its own session); every
# run must say the right path MTU or "unknown", never another number, and
# never "no black hole" where there is one: a verdict wrong once in ten
# runs fails the test. The report service's rates are raised for the ten
# clients at once (they share an address). Each run ends on its own
# clock within 17 s (PMTU_TOTAL: the UDP probe before the search, -w 2,
# and the search, no reply awaited past it), and each run's seconds of
# wall time are printed (ten at once took up to 15.3 s at a load of 12
# to 26 on two cores). A machine that stalls holds every process back
# all the same (once, all ten took 22 s, and none decided), so 40 s of
# wall time is the bound of a hang here, not a latency; tests/pmtu.sh
# checks 20 s with one client at a time.
#
# The runs take a while: only where $SANITIZERS is empty (a sanitizer
# build skips them, and says so).
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/chain.sh"
[ -z "${SANITIZERS:-}" ] || skip "the loss runs take too long under $SANITIZERS (plain build only)"
chain_for_test
ok "the lab: client, two routers and a server, forwarding IPv4 and IPv6"

RUNS=10
cfg=$({
	printf '[server]\nhost = *\nport = 7000\n[report]\nrate = 1000\nrate_total = 10000\n'
	printf '[log]\nrate_limit = 0\nlevel = notice\n'
} | conf lab)
: >"$T/d.err"
ip netns exec "$CH_S" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'

# runs NAME HOST: RUNS clients at once, netecho -u --pmtu --json; each
# run's JSON in $T/NAME.N.json; the longest run's seconds in LONGEST
runs() {
	local i pids=
	for i in $(seq "$RUNS"); do
		(
			t0=$(date +%s.%N)
			in_c "$NETECHO" --path -u -w 2 --pmtu --json "$2" 7001 >"$T/$1.$i.json" \
				2>"$T/$1.$i.err"
			awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { printf "%.2f\n", a - b }' \
				>"$T/$1.$i.secs"
		) &
		pids="$pids $!"
	done
	# shellcheck disable=SC2086
	wait $pids
	LONGEST=$(cat "$T/$1".*.secs | sort -n | tail -n 1)
	echo "# $1: seconds of each run: $(sort -n "$T/$1".*.secs | tr '\n' ' ')"
}
# under SECS: the longest run took less
under() { awk -v l="$LONGEST" -v m="$1" 'BEGIN { exit !(l < m) }'; }

# verdicts NAME: each run's "pmtu black_hole (why unknown)" ("null" when
# unknown)
verdicts() {
	local f
	for f in "$T/$1".*.json; do
		jq -r '"\(.pmtu) \(.black_hole) (\(.pmtu_unknown // "known"))"' "$f" 2>/dev/null ||
			echo "no-json"
	done
}

# judge NAME PMTU HOLE: every run's path MTU PMTU or null, its black hole
# HOLE or null; DECIDED gets how many said a number
judge() {
	local pmtu hole bad=0
	DECIDED=0
	while read -r pmtu hole _; do
		case $pmtu in
		"$2") DECIDED=$((DECIDED + 1)) ;;
		null) ;;
		*) bad=1 ;;
		esac
		[ "$hole" = "$3" ] || [ "$hole" = null ] || bad=1
	done < <(verdicts "$1")
	verdicts "$1" | sort | uniq -c | sed "s/^/# $1: /"
	[ $bad -eq 0 ]
}

# lost ROUTER: packets the router's rules dropped
lost() {
	ip netns exec "$1" nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}

LOSS="numgen random mod 100 < 20 counter drop"

chain_rule 1 "forward iifname r0 $LOSS"
runs to4 10.0.3.2
check "(IPv4) 20% lost towards the server: packets were dropped" test "$(lost "$CH_R1")" -gt 0
check "(IPv4) ... every run 1500 or unknown, of $RUNS" judge to4 1500 false
check "(IPv4) ... most decided ($DECIDED of $RUNS)" test "$DECIDED" -ge $((RUNS / 2))
check "(IPv4) ... each within 40 s (the longest: $LONGEST s)" under 40

chain_rule 1 "forward $LOSS"
runs both4 10.0.3.2
check "(IPv4) 20% lost each way: every run 1500 or unknown, of $RUNS" judge both4 1500 false
check "(IPv4) ... most decided ($DECIDED of $RUNS)" test "$DECIDED" -ge $((RUNS / 2))
check "(IPv4) ... each within 40 s (the longest: $LONGEST s)" under 40
runs both6 2001:db8:3::2
check "(IPv6) 20% lost each way: every run 1500 or unknown, of $RUNS" judge both6 1500 false
check "(IPv6) ... most decided ($DECIDED of $RUNS)" test "$DECIDED" -ge $((RUNS / 2))
check "(IPv6) ... each within 40 s (the longest: $LONGEST s)" under 40

chain_mtu 2 1400
chain_rule 2 "output icmp type destination-unreachable counter drop"
runs hole4 10.0.3.2
check "(IPv4) 20% lost each way, a silent 1400 behind: its ICMP dropped" \
	test "$(lost "$CH_R2")" -gt 0
check "(IPv4) ... every run 1400 or unknown, never \"no black hole\", of $RUNS" \
	judge hole4 1400 true
# (how many decide depends on time: a busy machine makes more "out of time")
echo "# hole4: $DECIDED of $RUNS decided"
check "(IPv4) ... each within 40 s (the longest: $LONGEST s)" under 40

stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
