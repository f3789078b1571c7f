#!/bin/bash
# probepath: /probe's path module from a netechod on the client of a lab
# of two routers (tests/chain.sh) to the report service of a netechod on
# the server, read from curl's /probe output:
#   the way back over TCP: the MSS the server's SYN-ACK announced (1460)
#     against the one the prober took: kept (clamped 0) on a clean path;
#     clamped (1) to 1300 when router 2 clamps the SYN-ACK only, while
#     the SYN's MSS is kept on the way there.
. "${top_srcdir:-.}/tests/lib.sh"
. "$top_srcdir/tests/chain.sh"
chain_for_test
command -v curl >/dev/null || skip "curl is not installed"
ok "the lab: client, two routers and a server, forwarding IPv4 and IPv6"

# the target: echo on 7000, its report service on 7001
cfg=$(printf '[server]\nhost = *\nport = 7000\n[log]\nlevel = notice\n' | conf target)
: >"$T/s.err"
ip netns exec "$CH_S" "$NETECHOD" -f -c "$cfg" >"$T/s.out" 2>"$T/s.err" &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/s.err" 'netechod [0-9.]+ started'
# the prober, on the client: /probe on 127.0.0.1:7200 for the lab's networks
cfg=$(conf prober <<'CONF'
[server]
host = 127.0.0.1
port = 7000
[metrics]
enabled = yes
port = 7200
probe_allow = 10.0.0.0/8, 2001:db8::/32
probe_rate = 50
[log]
level = notice
CONF
)
: >"$T/d.err"
ip netns exec "$CH_C" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'

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

# --- the way back over TCP
for v in 4 6; do
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
check "the way-back gauges carry HELP and TYPE" \
	test "$(grep -Ec '^# (HELP|TYPE) probe_path_mss_back_(sent|seen|clamped) ' \
		"$T/clean4.prom")" -eq 6

stop_daemon
check "the prober's netechod exits 0 ($DSTATUS)" test "$DSTATUS" -eq 0
