#!/bin/bash
# probepath: /probe's path module from a netechod on the client of a lab
# of two routers (tests/chain.sh) to the report service of a netechod on
# the server, read from curl's /probe output:
#   the way back over TCP: the MSS the server's SYN-ACK announced (1460)
#     against the one the prober took: kept (clamped 0) on a clean path;
#     clamped (1) to 1300 when router 2 clamps the SYN-ACK only, while
#     the SYN's MSS is kept on the way there;
#   a module with pmtu=yes (the path MTU search; IPv4 here, IPv6 in
#     tests/probepath6.sh, which runs this file with PROBEPATH_FAMILY=6
#     and only this part, so that each takes well under a minute):
#     no condition: the path MTU is the interface's (1500), no ICMP, no
#       black hole;
#     a bottleneck with ICMP "too big" (1000; IPv6 1380): found, the
#       ICMP's MTU said, no black hole;
#     then a second one behind it, silent (800; IPv6 1300): its MTU, the
#       first's ICMP, a black hole;
#     a silent bottleneck alone (IPv4 only, 1200): a black hole, no ICMP;
#     the way back of the search's UDP reports: 2 hops back, DSCP 0 sent
#       and seen; router 2 remarking the reports to CS1 (8): 0 sent, 8
#       seen;
#     (IPv4 only) the reports over UDP dropped: unknown (NaN), the probe
#       within its budget, probe_success 0; a stop of the daemon during
#       the search ends it in seconds, not the search's, the request
#       closed unanswered.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/chain.sh"
chain_for_test
command -v curl >/dev/null || skip "curl is not installed"
ok "the lab: client, two routers and a server, forwarding IPv4 and IPv6"

# the target (echo on 7000, its report service on 7001) and the prober,
# /probe on 127.0.0.1:7200 for the lab's networks
chain_probers 'probe_allow = 10.0.0.0/8, 2001:db8::/32' 'probe_rate = 50'

# probe NAME TARGET MODULE [TIMEOUT]: /probe's answer in $T/NAME.prom
# (TIMEOUT: the scrape timeout sent, seconds; default 5)
probe() {
	in_c curl -s -m 60 -H "X-Prometheus-Scrape-Timeout-Seconds: ${4:-5}" \
		"http://127.0.0.1:7200/probe?target=$2&module=$3" >"$T/$1.prom" ||
		fail "curl /probe?target=$2&module=$3"
}
# val NAME METRIC: the metric's value in $T/NAME.prom ("" when absent)
val() { awk -v m="$2" '$1 == m { print $2 }' "$T/$1.prom"; }
# vals NAME METRIC...: their values, blank-separated
vals() {
	local n=$1 m out=
	shift
	for m in "$@"; do out="$out $(val "$n" "$m")"; done
	echo "${out# }"
}
back="probe_path_mss_back_sent probe_path_mss_back_seen probe_path_mss_back_clamped"
# clamp_synack: router 2 clamps the MSS of SYN-ACKs only, to 1300
clamp_synack() {
	printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
		'		tcp flags & (syn | ack) == syn | ack tcp option maxseg size set 1300' |
		in_r2 nft -f - || fail "nft: clamping the SYN-ACK"
}

FAMILY=${PROBEPATH_FAMILY:-4}

# --- the way back over TCP (in the IPv4 run: both families)
[ "$FAMILY" = 4 ] && for v in 4 6; do
	[ $v = 4 ] && { tgt=10.0.3.2:7001 mss=1460; } || { tgt=[2001:db8:3::2]:7001 mss=1440; }
	chain_rule 2
	probe clean$v "$tgt" path
	check "IPv$v clean path: probe_success 1" test "$(val clean$v probe_success)" = 1
	check "... the SYN-ACK's MSS kept on the way back: $mss announced, $mss taken, clamped 0" \
		test "$(vals clean$v $back)" = "$mss $mss 0"
	clamp_synack
	probe clamp$v "$tgt" path
	check "IPv$v SYN-ACK clamped to 1300 by router 2: $mss announced, 1300 taken, clamped 1" \
		test "$(vals clamp$v $back)" = "$mss 1300 1"
	check "... the SYN's MSS kept on the way there ($mss)" \
		test "$(vals clamp$v probe_path_mss_sent probe_path_mss_seen)" = "$mss $mss"
	chain_rule 2
done
[ "$FAMILY" = 4 ] && check "the way-back gauges carry HELP and TYPE" \
	test "$(grep -Ec '^# (HELP|TYPE) probe_path_mss_back_(sent|seen|clamped) ' \
		"$T/clean4.prom")" -eq 6
[ "$FAMILY" = 4 ] && check "without pmtu=yes, no path MTU search: no probe_path_mtu_* gauges, no UDP way back" \
	test "$(grep -c '^probe_path_\(mtu_\|black_hole\|local_mtu\|hops_back\|dscp_back\|ecn_back\)' \
		"$T/clean4.prom")" -eq 0

# dropped ROUTER: packets the router's rules counted
dropped() {
	ip netns exec "$1" nft list ruleset | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' |
		awk '{ n += $1 } END { print n + 0 }'
}
mtu="probe_path_mtu_bytes probe_path_mtu_icmp_bytes probe_path_black_hole"
mtu="$mtu probe_path_local_mtu_bytes probe_success"
udpback="probe_path_hops_back probe_path_dscp_back_sent probe_path_dscp_back_seen"
udpback="$udpback probe_path_ecn_back_sent probe_path_ecn_back_seen"
# IPv6 first: an IPv4 link MTU under 1280 takes IPv6 off the link
for fam in $FAMILY; do
	if [ $fam = 4 ]; then
		tgt=10.0.3.2:7001 icmp="icmp type destination-unreachable" mtu1=1000 mtu2=800
	else
		tgt=[2001:db8:3::2]:7001 icmp="icmpv6 type packet-too-big" mtu1=1380 mtu2=1300
	fi
	x="(IPv$fam)"
	chain_rule 1
	chain_rule 2
	probe base$fam "$tgt" mtu 20
	check "$x pmtu=yes, no condition: mtu 1500, no ICMP, no black hole, local 1500" \
		test "$(vals base$fam $mtu)" = "1500 NaN 0 1500 1"
	check "$x ... the MSS way back's verdict too: kept (clamped 0)" \
		test "$(val base$fam probe_path_mss_back_clamped)" = 0
	check "$x ... its UDP reports' way back: 2 hops, DSCP 0 sent and seen, ECN 0 and 0" \
		test "$(vals base$fam $udpback)" = "2 0 0 0 0"
	f=ip
	[ $fam = 6 ] && f=ip6
	chain_rule 2 "forward udp sport 7001 $f dscp set cs1"
	probe remark$fam "$tgt" mtu 20
	check "$x router 2 remarks the UDP reports to CS1: DSCP 0 sent, 8 seen" \
		test "$(vals remark$fam $udpback)" = "2 0 8 0 0"
	check "$x ... the path MTU all the same (1500)" \
		test "$(val remark$fam probe_path_mtu_bytes)" = 1500
	chain_rule 2
	chain_mtu 1 $mtu1
	probe icmp$fam "$tgt" mtu 20
	check "$x link MTU $mtu1 with ICMP: mtu $mtu1, ICMP $mtu1, no black hole" \
		test "$(vals icmp$fam $mtu)" = "$mtu1 $mtu1 0 1500 1"
	chain_mtu 2 $mtu2
	chain_rule 2 "output $icmp counter drop"
	probe two$fam "$tgt" mtu 20
	check "$x then $mtu2 silent: the second's ICMP dropped (counted)" \
		test "$(dropped "$CH_R2")" -gt 0
	check "$x ... mtu $mtu2, the first's ICMP $mtu1, a black hole" \
		test "$(vals two$fam $mtu)" = "$mtu2 $mtu1 1 1500 1"
	chain_rule 2
	chain_mtu 2 1500
	chain_mtu 1 1500
done
if [ "$FAMILY" = 6 ]; then
	for f in base6 icmp6 two6; do
		echo "# $f: probe_duration_seconds $(val $f probe_duration_seconds)," \
			"$(val $f probe_path_mtu_probes) datagrams"
	done
	stop_daemon
	check "the prober's netechod exits 0 ($DSTATUS)" test "$DSTATUS" -eq 0
	exit 0
fi
chain_mtu 1 1200
chain_rule 1 "output icmp type destination-unreachable counter drop"
probe silent4 10.0.3.2:7001 mtu 20
check "(IPv4) link MTU 1200, silent: mtu 1200, no ICMP, a black hole" \
	test "$(vals silent4 $mtu)" = "1200 NaN 1 1500 1"
check "... router 1's ICMP dropped (counted)" test "$(dropped "$CH_R1")" -gt 0
chain_rule 1
chain_mtu 1 1500

# what each search took, for the log (README's figures)
for f in base4 icmp4 two4 silent4; do
	echo "# $f: probe_duration_seconds $(val $f probe_duration_seconds)," \
		"$(val $f probe_path_mtu_probes) datagrams"
done

# the reports over UDP dropped by router 2 (TCP's report still comes): a
# scrape timeout of 4 s (a budget of 3.5) ends the search undecided
chain_rule 2 "forward udp sport 7001 counter drop"
probe lost4 10.0.3.2:7001 mtu 4
check "UDP reports dropped: mtu, black hole unknown (NaN), probe_success 0" \
	test "$(vals lost4 probe_path_mtu_bytes probe_path_black_hole probe_success)" = \
		"NaN NaN 0"
check "... the TCP report came all the same (DSCP seen 46)" \
	test "$(val lost4 probe_path_dscp_seen)" = 46
check "... within the budget: under 6 s ($(val lost4 probe_duration_seconds) s)" \
	awk -v d="$(val lost4 probe_duration_seconds)" 'BEGIN { exit !(d > 0 && d < 6) }'

# a stop during a search that would take 8 s and more (its first size
# tried 8 times, 1 s each, no report coming): the daemon ends in seconds
in_c curl -s -m 60 -o "$T/stopped.prom" -H 'X-Prometheus-Scrape-Timeout-Seconds: 30' \
	"http://127.0.0.1:7200/probe?target=10.0.3.2:7001&module=mtu" &
CURL=$!
running() {
	in_c curl -s -m 5 http://127.0.0.1:7200/metrics | grep -q '^netecho_probes_running 1$'
}
for i in $(seq 40); do running && break; sleep 0.25; done
running || fail "the pmtu probe was not seen running"
sleep 1
timed stop_daemon
check "a stop during the path MTU search: the daemon ends in seconds (${ELAPSED_MS} ms), exit 0" \
	test "$ELAPSED_MS" -lt 4000 -a "$DSTATUS" -eq 0
wait "$CURL"
CURL_STATUS=$?
check "... the search was cut short: its request closed unanswered (curl exit $CURL_STATUS)" \
	test "$CURL_STATUS" -ne 0 -a ! -s "$T/stopped.prom"
chain_rule 2
