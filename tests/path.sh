#!/bin/bash
# path: the path report in a lab of network namespaces: a client, a
# router that forwards (so a real TTL drops by one) and a server, joined
# by veth pairs. nftables rules on the router apply one condition at a
# time, over IPv4 and IPv6:
#   masquerade NAT (the address translated, the port kept), and a rule that
#   rewrites the port too; DSCP remarked to 0; ECN bleached; the SYN's MSS
#   set to 1300 and its timestamps removed; the server's link at MTU 1400
#   with ICMP "too big" let through and dropped (a black hole); a datagram
#   split on the way.
# netecho --path must say each verdict under its condition and never
# without it (a baseline run with no rule says none of them); the
# daemon's log lines carry the same facts.
. "${top_srcdir:-.}/tests/lib.sh"

# --- the lab (tests/lab.sh)
. "$top_srcdir/tests/lab.sh"
lab_for_test
ok "the lab: client, router and server namespaces, forwarding IPv4 and IPv6"

# --- the daemon on the server, every address; the report on 7001
cfg=$(printf '[server]\nhost = *\nport = 7000\n[log]\nrate_limit = 0\n' | conf lab)
: >"$T/d.err"
# (ip netns exec, not in_s: $! must be netechod itself, which ip becomes)
ip netns exec "$LAB_S" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
check "the report service listens on 7001, TCP and UDP" \
	grep -Eq 'listening on udp \[::\]:7001 \(report\)' "$T/d.err"

# rule [FAMILY HOOK RULE]: the router's one rule (lab_rule), or none
rule() { lab_rule "$@" || fail "nft: $*"; }
FORWARD="type filter hook forward priority -150"

# probe NAME [ARGS...] HOST: netecho --path from the client to HOST's
# report service (7001); the text in
# $T/NAME.out, the JSON in $T/NAME.json. Each reply is awaited $WAIT s
# (--pmtu waits that long on the last try of a size before it counts it
# lost: in a black hole, once for each size above the path MTU).
WAIT=3
probe() {
	local name=$1
	shift
	in_c "$NETECHO" --path -w $WAIT "$@" 7001 >"$T/$name.out" 2>"$T/$name.err"
	PSTATUS=$?
	in_c "$NETECHO" --path -w $WAIT --json "$@" 7001 >"$T/$name.json" 2>>"$T/$name.err"
}
has() { grep -Fq -- "$2" "$T/$1.out"; }
hasnt() { ! grep -Eq -- "$2" "$T/$1.out"; }
# js NAME FILTER: a jq filter's value in $T/NAME.json
js() { jq -c "$2" "$T/$1.json"; }

for fam in 4 6; do
	if [ $fam = 4 ]; then
		srv=10.0.2.2 cli=10.0.1.2 rtr=10.0.2.1 ipf=ip
	else
		srv=2001:db8:2::2 cli=2001:db8:1::2 rtr=2001:db8:2::1 ipf=ip6
	fi
	x="(IPv$fam)"
	[ $fam = 4 ] && ttl=ttl || ttl="hop limit"

	# --- no rule: nothing done on the way but one hop
	rule
	m=$(mark "$T/d.err")
	probe base$fam --dscp ef $srv
	check "$x no rule: exit 0" test "$PSTATUS" -eq 0
	check "$x no rule: no NAT" has base$fam "nat: none ($( [ $fam = 6 ] && echo "[$cli]" || echo $cli):"
	check "$x no rule: one hop, the router's" has base$fam "hops: 1 ($ttl 64 sent, 63 seen)"
	check "$x no rule: the DSCP kept, both protocols" \
		test "$(grep -c 'dscp: kept (ef/46)' "$T/base$fam.out")" -eq 2
	check "$x no rule: ECN kept" has base$fam "ecn: kept (ect0)"
	check "$x no rule: the MSS kept" \
		grep -Eq "mss: kept \(1[0-9]{3}\)" "$T/base$fam.out"
	check "$x no rule: the options kept" has base$fam "options: kept (mss wscale sack timestamps)"
	check "$x no rule: the datagram whole" has base$fam "fragments: none (1024 bytes in one datagram)"
	check "$x no rule: no verdict of a condition that is not there" \
		hasnt base$fam 'translated|changed|remarked|bleached|clamped|stripped|arrived in fragments'
	check "$x --json: every member, the verdicts as strings, NAT and port as booleans" \
		test "$(js base$fam '[.tcp.nat, .tcp.port_preserved, .udp.nat, .udp.hops, .tcp.ttl_sent,
			.tcp.dscp_seen, .udp.ecn_sent, .udp.ecn_seen, .udp.fragmented, .udp.fragment_size,
			.tcp.options_sent == .tcp.options_seen, .tcp.mss_sent == .tcp.mss_seen]')" = \
			'["none",true,"none",1,64,46,"ect0","ect0",false,null,true,true]'
	check "$x --json: version 2, each verdict a string, nothing unknown" \
		test "$(js base$fam '[.version, .tcp.dscp, .tcp.ecn, .tcp.ecn_setup, .tcp.mss,
			.tcp.options, .udp.dscp, .udp.ecn, .udp.fragments, .tcp.unknown, .udp.unknown]')" = \
			'[2,"kept","kept","not asked","kept","kept","kept","kept","none",{},{}]'
	check "$x --json: the members the issue names are all there" \
		test "$(js base$fam '[.tcp, .udp] | map(keys) | add | unique |
			contains(["local","seen","nat","port_preserved","ttl_sent","ttl_seen","hops",
			"dscp_sent","dscp_seen","ecn_sent","ecn_seen","mss_sent","mss_seen",
			"options_sent","options_seen","fragmented","fragment_size"])')" = true
	wait_after "$T/d.err" "$m" "report tcp peer=.*$cli.* ttl=63 dscp=46 "
	ok "$x the daemon logs the report connection's SYN: ttl 63, dscp 46"
	wait_after "$T/d.err" "$m" "udp report-probe peer=.*$cli.* ttl=63 dscp=46 ecn=ect0 len=1024"
	ok "$x ... and the probe datagram's facts"
	m=$(mark "$T/d.err")
	in_c "$NETECHO" -w 3 -m hello $srv 7000 >/dev/null || fail "$x echo through the lab"
	wait_after "$T/d.err" "$m" "tcp open peer=.*$cli.* local=.*$srv.*:7000 ttl=63 dscp=0 "
	ok "$x an echo connection's tcp open line carries its SYN's facts"
	# a SYN that asks for ECN (tcp_ecn = 1): the request arrives
	in_c sysctl -qw net.ipv4.tcp_ecn=1 || fail "sysctl tcp_ecn"
	probe ecnsyn$fam $srv
	in_c sysctl -qw net.ipv4.tcp_ecn=0 || fail "sysctl tcp_ecn"
	check "$x a SYN asking for ECN: kept" has ecnsyn$fam "ecn-setup: kept (the SYN's ECE and CWR arrived)"
	check "$x ... and not asking: said so" has base$fam "ecn-setup: not asked"
	m=$(mark "$T/d.err")
	in_c "$NETECHO" -w 3 --ttl 9 --path -u $srv 7001 >"$T/ttl$fam.out" 2>&1
	check "$x --ttl 9: 1 hop, from 9" grep -Fq "hops: 1 ($ttl 9 sent, 8 seen)" "$T/ttl$fam.out"

	# --- masquerade: the address translated, the port kept
	rule $ipf "type nat hook postrouting priority 100" "oifname r1 masquerade"
	probe nat$fam $srv
	check "$x masquerade: the address translated, the port kept (TCP and UDP)" \
		test "$(grep -c "nat: address translated, port kept (.* seen as .*$rtr" \
			"$T/nat$fam.out")" -eq 2
	check "$x masquerade --json: the verdict, source translated, port_preserved true" \
		test "$(js nat$fam '[.tcp.nat, .tcp.source_translated, .tcp.port_preserved,
			.udp.seen.address]')" = "[\"source translated, port kept\",true,true,\"$rtr\"]"
	check "$x masquerade: nothing else said" hasnt nat$fam 'remarked|bleached|clamped|stripped'
	# and the port rewritten too
	rule $ipf "type nat hook postrouting priority 100" \
		"oifname r1 meta l4proto { tcp, udp } masquerade to :20000-20100 random"
	probe natport$fam $srv
	check "$x masquerade to other ports: the port changed (TCP and UDP)" \
		test "$(grep -c 'nat: address translated, port changed (.* seen as .*:20[01][0-9][0-9])' \
			"$T/natport$fam.out")" -eq 2
	check "$x ... --json: port_preserved false" \
		test "$(js natport$fam '[.tcp.port_preserved, .udp.port_preserved, .udp.nat]')" = \
			'[false,false,"source translated, port changed"]'

	# --- DSCP remarked to 0, ECN bleached
	rule inet "$FORWARD" "$ipf dscp set cs0"
	probe dscp$fam --dscp af41 $srv
	check "$x DSCP set to 0 on the way: remarked (TCP and UDP)" \
		test "$(grep -c 'dscp: remarked (af41/34 sent, cs0/0 seen)' "$T/dscp$fam.out")" -eq 2
	check "$x ... ECN untouched by it" has dscp$fam "ecn: kept (ect0)"
	check "$x ... --json" test "$(js dscp$fam '[.tcp.dscp_sent, .tcp.dscp_seen, .tcp.dscp]')" = \
		'[34,0,"remarked"]'
	rule inet "$FORWARD" "$ipf ecn set not-ect"
	probe ecn$fam --dscp ef $srv
	check "$x ECN cleared on the way: bleached" has ecn$fam "ecn: bleached (ect0 sent, not-ect seen)"
	check "$x ... the DSCP beside it kept" \
		test "$(grep -c 'dscp: kept (ef/46)' "$T/ecn$fam.out")" -eq 2
	check "$x ... --json" test "$(js ecn$fam '[.udp.ecn_sent, .udp.ecn_seen, .udp.ecn]')" = \
		'["ect0","not-ect","bleached"]'

	# --- the SYN's MSS set to 1300, its timestamps removed
	rule inet "$FORWARD" "tcp flags syn tcp option maxseg size set 1300"
	probe mss$fam $srv
	check "$x MSS set to 1300 on the way: clamped" grep -Eq 'mss: clamped \([0-9]+ sent, 1300 seen\)' \
		"$T/mss$fam.out"
	check "$x ... the options kept" has mss$fam "options: kept (mss wscale sack timestamps)"
	check "$x ... --json" test "$(js mss$fam '[.tcp.mss_seen, .tcp.mss]')" = '[1300,"clamped"]'
	m=$(mark "$T/d.err")
	in_c "$NETECHO" -w 3 -m hello $srv 7000 >/dev/null || fail "$x echo through the lab"
	wait_after "$T/d.err" "$m" "tcp open peer=.*$cli.* mss=1300 "
	ok "$x ... and the echo's tcp open line shows mss=1300"
	rule inet "$FORWARD" "tcp flags syn reset tcp option timestamp"
	probe ts$fam $srv
	check "$x timestamps removed from the SYN: stripped" \
		has ts$fam "options: stripped: timestamps (kept: mss wscale sack)"
	check "$x ... the MSS kept" grep -Eq 'mss: kept \([0-9]+\)' "$T/ts$fam.out"
	check "$x ... --json" test "$(js ts$fam '[.tcp.options_seen, .tcp.options]')" = \
		'[["mss","wscale","sack"],"stripped"]'
	rule

	# --- the server's link at MTU 1400: --pmtu, with ICMP "too big" and
	# without it; a datagram split on the way
	in_r ip link set r1 mtu 1400 && in_s ip link set s0 mtu 1400 || fail "mtu 1400"
	in_c ip route flush cache >/dev/null 2>&1
	probe pmtu$fam -u --pmtu $srv
	check "$x MTU 1400 on the way, ICMP let through: --pmtu finds 1400" \
		has pmtu$fam "pmtu: 1400 (the largest packet that arrives, as an ICMP \"too big\" said; this host's interface MTU is 1500)"
	check "$x ... and no black hole: the ICMP named 1400" \
		has pmtu$fam 'black-hole: no (ICMP "too big" names an MTU of 1400)'
	check "$x ... --json" test "$(js pmtu$fam '[.pmtu, .black_hole, .icmp_mtu]')" = \
		'[1400,false,1400]'
	if [ $fam = 4 ]; then
		rule ip "type filter hook output priority 0" "icmp type destination-unreachable drop"
	else
		rule ip6 "type filter hook output priority 0" "icmpv6 type packet-too-big drop"
	fi
	in_c ip route flush cache >/dev/null 2>&1
	WAIT=1 probe hole$fam -u --pmtu $srv
	check "$x ICMP dropped by the router: --pmtu still finds 1400" \
		has hole$fam "pmtu: 1400 (the largest packet that arrives"
	check "$x ... and says black hole" has hole$fam 'black-hole: yes'
	check "$x ... --json" test "$(js hole$fam '[.pmtu, .black_hole, .icmp_mtu]')" = \
		'[1400,true,null]'
	rule
	# what the MTU search taught the client's host is forgotten
	in_c ip route flush cache >/dev/null 2>&1
	in_c ip -6 route flush cache >/dev/null 2>&1
	if [ $fam = 4 ]; then
		# 1472 bytes of UDP: a 1500-byte packet, without DF: the router splits it
		m=$(mark "$T/d.err")
		probe frag$fam -u -s 1472 $srv
		check "$x a 1500-byte datagram through the 1400 link: split on the way" \
			grep -Eq 'fragments: arrived in fragments of at most 1[34][0-9]{2} bytes \(split on the way' \
				"$T/frag$fam.out"
		check "$x ... --json" test "$(js frag$fam '[.udp.fragmented, .udp.fragment_size > 1300]')" \
			= '[true,true]'
		wait_after "$T/d.err" "$m" "udp report-probe peer=.* frag=1[34][0-9][0-9] len=1472"
		ok "$x ... the daemon's log line says frag="
	else
		# IPv6 routers do not split: the "too big" that comes back makes
		# the client's own host split its next try
		probe frag$fam -u -s 1452 $srv
		check "$x a 1500-byte IPv6 datagram: split by this host once told the path's MTU" \
			grep -Eq "fragments: arrived in fragments of at most 1[34][0-9]{2} bytes \(this host split it: its cached path MTU to the server is 1400" \
				"$T/frag$fam.out"
	fi
	probe whole$fam -u -s 1024 $srv
	check "$x a 1024-byte datagram through the same link: whole" \
		has whole$fam "fragments: none (1024 bytes in one datagram)"
	in_r ip link set r1 mtu 1500 && in_s ip link set s0 mtu 1500 || fail "mtu 1500"
	in_c ip route flush cache >/dev/null 2>&1
	in_c ip -6 route flush cache >/dev/null 2>&1
done

# --- no report service: a clear one-line error, exit 69
rule
in_c "$NETECHO" --path -w 3 10.0.2.2 7009 >"$T/none.out" 2>"$T/none.err"
check "no report service: exit 69" test $? -eq 69
check "... and says so" grep -q 'no path report service at 10.0.2.2:7009 over tcp (refused)' \
	"$T/none.err"
# the echo port is not the report service: it says nothing, and --path says that
in_c "$NETECHO" --path -w 1 10.0.2.2 7000 >"$T/echo.out" 2>"$T/echo.err"
check "the echo port asked for a report: exit 75" test $? -eq 75
check "... and says the port answered but sent no report" \
	grep -q "accepted the connection, but no path report came within 1s.* or the port is not netechod's report service" "$T/echo.err"

# turned away by an access list: not "the port is not the report service"
printf '[server]\nhost = *\nport = 7000\n[report]\ndeny = 0.0.0.0/0, ::/0\n[log]\nrate_limit = 0\n' >"$cfg"
reload
in_c "$NETECHO" --path -w 1 10.0.2.2 7001 >"$T/deny.out" 2>"$T/deny.err"
check "a client the report's deny list turns away: exit 69" test $? -eq 69
check "... told it may have been turned away, where to look" \
	grep -q "without a path report: netechod turned this client away (its \[report\] allow or deny" "$T/deny.err"

stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
