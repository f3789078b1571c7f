#!/bin/bash
# pathroute: the path report where the client's own route or the path's
# routers change what a probe is: a chain of three routers (C - R1 - R2 -
# R3 - S, network namespaces joined by veth pairs, IPv4 and IPv6):
#   the way back: DSCP remarked and ECN cleared on R2's return direction
#   only (UDP), the SYN-ACK's MSS clamped and its window scale removed
#   (TCP);
#   a route "hoplimit 20" on the client (IPv4's IP_TTL does not show it);
#   a route "features ecn" (the SYN asks for ECN whatever tcp_ecn says);
#   a port forward (DNAT on R1 from 10.71.0.2:8080 to the server's 7001);
#   --ttl below the routers' count (an ICMP time exceeded from R3);
#   --hops (each router named by its time exceeded; R2 silent);
#   the TCP report dropped on the way back; no report service (refused);
#   the first two SYNs dropped. A probe that fails as a whole is null in
#   --json, with its reason in "unknown" (as a fact's).
# Each verdict under its condition, and its absence without it.
. "${top_srcdir:-.}/tests/lib.sh"

command -v nft >/dev/null || skip "nft (nftables) is not installed"
command -v jq >/dev/null || skip "jq is not installed"
ip netns add "nex$$" 2>/dev/null || skip "cannot create named network namespaces here"
ip netns del "nex$$"

# --- the chain: NS[0] the client, NS[1..3] routers, NS[4] the server;
# link i joins NS[i] (10.70.i.2, 2001:db8:70:i::2; its default route
# towards the server) and NS[i+1] (10.70.i.1, 2001:db8:70:i::1)
NS=(prc$$ pr1$$ pr2$$ pr3$$ prs$$)
chain_down() { for n in "${NS[@]}"; do ip netns del "$n"; done 2>/dev/null; }
trap 'rc=$?; chain_down; (exit $rc); cleanup' EXIT
in_ns() { local i=$1; shift; ip netns exec "${NS[$i]}" "$@"; }
in_c() { in_ns 0 "$@"; }
chain_up() {
	local i n
	for n in "${NS[@]}"; do ip netns add "$n" && ip -n "$n" link set lo up || return 1; done
	for i in 0 1 2 3; do
		ip link add a$i netns "${NS[$i]}" type veth peer name b$i netns "${NS[$((i + 1))]}" &&
		ip -n "${NS[$i]}" addr add 10.70.$i.2/24 dev a$i &&
		ip -n "${NS[$i]}" addr add 2001:db8:70:$i::2/64 dev a$i nodad &&
		ip -n "${NS[$((i + 1))]}" addr add 10.70.$i.1/24 dev b$i &&
		ip -n "${NS[$((i + 1))]}" addr add 2001:db8:70:$i::1/64 dev b$i nodad &&
		ip -n "${NS[$i]}" link set a$i up && ip -n "${NS[$((i + 1))]}" link set b$i up ||
			return 1
	done
	# towards the server: each side's default route; back: the routers' routes
	for i in 0 1 2 3; do
		ip -n "${NS[$i]}" route add default via 10.70.$i.1 &&
		ip -n "${NS[$i]}" -6 route add default via 2001:db8:70:$i::1 || return 1
	done
	for i in 1 2 3; do
		for n in $(seq 0 $((i - 2))); do
			ip -n "${NS[$i]}" route add 10.70.$n.0/24 via 10.70.$((i - 1)).2 &&
			ip -n "${NS[$i]}" -6 route add 2001:db8:70:$n::/64 via 2001:db8:70:$((i - 1))::2 ||
				return 1
		done
		in_ns $i sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	done
	ip -n "${NS[4]}" route add default via 10.70.3.2 &&
	ip -n "${NS[4]}" -6 route add default via 2001:db8:70:3::2 &&
	in_c sysctl -qw net.ipv4.tcp_ecn=0 || return 1
	for n in 10.70.3.1 2001:db8:70:3::1; do
		for i in $(seq 30); do
			in_c ping -c 1 -W 1 "$n" >/dev/null 2>&1 && break
			[ "$i" -lt 30 ] || return 1
		done
	done
}
chain_up || fail "building the chain of three routers"
ok "the chain: a client, three routers and a server, IPv4 and IPv6"

cfg=$(printf '[server]\nhost = *\nport = 7000\n[log]\nrate_limit = 0\n' | conf chain)
: >"$T/d.err"
ip netns exec "${NS[4]}" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
# "started" can come before the accept thread has set TCP_SAVE_SYN on the
# report listener (a SYN then is not saved: syn=unreadable): wait until a
# report connection's SYN is read, one connection a second, 10 at most
for i in $(seq 10); do
	m=$(mark "$T/d.err")
	in_c "$NETECHO" --path -w 3 10.70.3.1 7001 >/dev/null 2>&1
	wait_after "$T/d.err" "$m" "report tcp peer="
	count_after "$T/d.err" "$m" "report tcp peer=.* syn=unreadable" | grep -qx 0 && break
	[ "$i" -lt 10 ] || fail "the report service never read a SYN"
	sleep 1
done
ok "netechod on the server, the report on 7001, reading SYNs"

# probe NAME [ARGS...] HOST [PORT]: netecho --path from the client; text in
# $T/NAME.out (status $PSTATUS), JSON in $T/NAME.json (status $JSTATUS)
probe() {
	local name=$1
	shift
	in_c "$NETECHO" --path -w 3 "$@" >"$T/$name.out" 2>"$T/$name.err"
	PSTATUS=$?
	in_c "$NETECHO" --path -w 3 --json "$@" >"$T/$name.json" 2>>"$T/$name.err"
	JSTATUS=$?
}
has() { grep -Fq -- "$2" "$T/$1.out"; }
hasnt() { ! grep -Eq -- "$2" "$T/$1.out"; }
js() { jq -c "$2" "$T/$1.json"; }
not() { ! "$@"; }

srv4=10.70.3.1 srv6=2001:db8:70:3::1

# --- no condition: three hops from the system's TTL
probe base $srv4 7001
check "IPv4, no route metric: 3 hops from ttl 64" \
	test "$(grep -c 'hops: 3 (ttl 64 sent, 61 seen)' "$T/base.out")" -eq 2
check "... the SYN did not ask for ECN, and says so" has base "ecn-setup: not asked"
check "... no NAT either way (TCP and UDP)" \
	test "$(grep -c 'nat: none (10.70.0.2:[0-9]*)$' "$T/base.out")" -eq 2
check "... --json: the address dialled is the one reached" \
	test "$(js base '[.tcp.dialled.address, .tcp.destination_translated,
		.udp.destination_translated]')" = '["10.70.3.1",false,false]'

# --- the way back (UDP): the report leaves with the probe's DSCP and
# ECN and a TTL of 64; three hops back, nothing changed
check "the way back, no rule: 3 hops (UDP)" has base "hops back: 3 (ttl 64 sent, 61 seen)"
check "... DSCP and ECN kept on the way back" \
	test "$(grep -Ec '^  (dscp back: kept \(cs0/0\)|ecn back: kept \(ect0\))$' "$T/base.out")" -eq 2
check "... --json" test "$(js base '[.udp.hops_back, .udp.dscp_back, .udp.ecn_back,
	.udp.ttl_back_sent]')" = '[3,"kept","kept",64]'
probe backef -u --dscp ef $srv4 7001
check "... sent with EF: the report comes back with EF (the server marks it as the probe)" \
	grep -Fxq "  dscp back: kept (ef/46)" "$T/backef.out"
# R2 remarks to CS1 and clears ECN on the way back only (from the server)
for v in 4 6; do
	[ $v = 4 ] && { srv=$srv4 f=ip; } || { srv=$srv6 f=ip6; }
	printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n%s\n\t}\n}\n' \
		"		$f saddr $srv $f dscp set cs1" "		$f saddr $srv $f ecn set not-ect" |
		in_ns 2 nft -f - || fail "nft: remarking the way back"
	probe back$v -u --dscp ef $srv 7001
	[ $v = 4 ] && ttl=ttl || ttl="hop limit"
	check "IPv$v remarked on the way back only: the way there kept" \
		grep -Fxq "  dscp: kept (ef/46)" "$T/back$v.out"
	check "... the ECN there kept" grep -Fxq "  ecn: kept (ect0)" "$T/back$v.out"
	check "... the DSCP remarked on the way back" \
		grep -Fxq "  dscp back: remarked (ef/46 sent, cs1/8 seen)" "$T/back$v.out"
	check "... the ECN bleached on the way back" \
		grep -Fxq "  ecn back: bleached (ect0 sent, not-ect seen)" "$T/back$v.out"
	check "... 3 hops back" grep -Fxq "  hops back: 3 ($ttl 64 sent, 61 seen)" "$T/back$v.out"
	check "... --json" test "$(js back$v '[.udp.dscp, .udp.dscp_back, .udp.dscp_back_seen,
		.udp.ecn, .udp.ecn_back]')" = '["kept","remarked",8,"kept","bleached"]'
	in_ns 2 nft flush ruleset || fail "nft flush"
done

# --- the way back over TCP: the MSS the server's SYN-ACK announced
# (1460, 1440 for IPv6) against the one this host took; R2 clamps the
# SYN-ACK only to 1300
check "TCP, no rule: the SYN-ACK's MSS kept on the way back" \
	grep -Fxq "  mss back: kept (1460)" "$T/base.out"
check "... --json" test "$(js base '[.tcp.mss_back_sent, .tcp.mss_back_seen, .tcp.mss_back]')" = \
	'[1460,1460,"kept"]'
for v in 4 6; do
	[ $v = 4 ] && { srv=$srv4 mss=1460; } || { srv=$srv6 mss=1440; }
	printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
		'		tcp flags & (syn | ack) == syn | ack tcp option maxseg size set 1300' |
		in_ns 2 nft -f - || fail "nft: clamping the SYN-ACK"
	probe mssback$v $srv 7001
	check "IPv$v the SYN-ACK's MSS clamped to 1300 on the way back: said" \
		grep -Fxq "  mss back: clamped ($mss sent, 1300 seen)" "$T/mssback$v.out"
	check "... the SYN's MSS kept on the way there" grep -Fxq "  mss: kept ($mss)" "$T/mssback$v.out"
	check "... --json" test "$(js mssback$v '[.tcp.mss, .tcp.mss_back, .tcp.mss_back_seen]')" = \
		'["kept","clamped",1300]'
	in_ns 2 nft flush ruleset || fail "nft flush"
done

# the SYN-ACK's window scale option removed by R2: stripped on the way
# back; kept without the rule
check "TCP, no rule: the SYN-ACK's window scale kept" \
	grep -Eqx "  wscale back: kept \([0-9]+\)" "$T/base.out"
printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
	'		tcp flags & (syn | ack) == syn | ack reset tcp option window' |
	in_ns 2 nft -f - || fail "nft: removing the SYN-ACK's window scale"
probe wsback $srv4 7001
check "the SYN-ACK's window scale removed on the way back: stripped" \
	grep -Eqx "  wscale back: stripped \([0-9]+ sent, none seen\)" "$T/wsback.out"
check "... the SYN's options kept on the way there" \
	grep -Fxq "  options: kept (mss wscale sack timestamps)" "$T/wsback.out"
check "... --json" test "$(js wsback '[.tcp.wscale_back, .tcp.wscale_back_seen]')" = \
	'["stripped",null]'
in_ns 2 nft flush ruleset || fail "nft flush"

# --- a route hoplimit 20 (IPv4): the TTL sent is the route's
in_c ip route change default via 10.70.0.1 hoplimit 20 || fail "ip route hoplimit"
probe hop4 $srv4 7001
check "IPv4 route hoplimit 20: 3 hops, from ttl 20 (TCP and UDP)" \
	test "$(grep -c 'hops: 3 (ttl 20 sent, 17 seen)' "$T/hop4.out")" -eq 2
check "... --json" test "$(js hop4 '[.tcp.ttl_sent, .tcp.hops, .udp.ttl_sent, .udp.hops]')" = \
	'[20,3,20,3]'
probe hop4t --ttl 9 $srv4 7001
check "... --ttl 9 over it: from 9" \
	test "$(grep -c 'hops: 3 (ttl 9 sent, 6 seen)' "$T/hop4t.out")" -eq 2
in_c ip route change default via 10.70.0.1 || fail "ip route"
in_c ip -6 route change default via 2001:db8:70:0::1 hoplimit 20 || fail "ip -6 route hoplimit"
probe hop6 $srv6 7001
check "IPv6 route hoplimit 20: 3 hops, from 20" \
	test "$(grep -c 'hops: 3 (hop limit 20 sent, 17 seen)' "$T/hop6.out")" -eq 2
in_c ip -6 route change default via 2001:db8:70:0::1 || fail "ip -6 route"

# --- a route that says "features ecn": the SYN asks with tcp_ecn 0. The
# server agrees to no ECN (tcp_ecn 0 there), so that only the route
# tells the client what its SYN asked
in_ns 4 sysctl -qw net.ipv4.tcp_ecn=0 || fail "sysctl tcp_ecn on the server"
in_c ip route change default via 10.70.0.1 features ecn || fail "ip route features ecn"
probe ecn4 $srv4 7001
check "IPv4 route features ecn: the SYN asked, and the request arrived" \
	has ecn4 "ecn-setup: kept (the SYN's ECE and CWR arrived)"
check "... not 'added'" hasnt ecn4 'ecn-setup: (added|not asked)'
check "... --json" test "$(js ecn4 '[.tcp.ecn_setup_sent, .tcp.ecn_setup_seen]')" = '[true,true]'
# R2 clears the SYN's ECE and CWR
printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
	'		tcp flags & (syn | ack) == syn tcp flags set syn' | in_ns 2 nft -f - ||
	fail "nft: clearing ECE and CWR"
probe ecnx4 $srv4 7001
check "... ECE and CWR cleared by R2: stripped" \
	has ecnx4 "ecn-setup: stripped (the SYN asked for ECN; ECE and CWR were cleared)"
in_ns 2 nft flush ruleset || fail "nft flush"
in_c ip route change default via 10.70.0.1 || fail "ip route"
probe ecnno4 $srv4 7001
check "... the same route without the feature: not asked" has ecnno4 "ecn-setup: not asked"
in_c ip -6 route change default via 2001:db8:70:0::1 features ecn || fail "ip -6 route ecn"
probe ecn6 $srv6 7001
check "IPv6 route features ecn: the SYN asked" \
	has ecn6 "ecn-setup: kept (the SYN's ECE and CWR arrived)"
in_c ip -6 route change default via 2001:db8:70:0::1 || fail "ip -6 route"

# --- a port forward on R1: 10.71.0.2:8080 (and [2001:db8:71::2]:8080)
# to the server's report service; 10.71.0.3 (and 2001:db8:71::3) to it,
# the port kept
printf 'table inet lab {\n\tchain c {\n\t\ttype nat hook prerouting priority -100;\n%s\n%s\n%s\n%s\n\t}\n}\n' \
	'		ip daddr 10.71.0.2 meta l4proto { tcp, udp } th dport 8080 dnat ip to 10.70.3.1:7001' \
	'		ip daddr 10.71.0.3 dnat ip to 10.70.3.1' \
	'		ip6 daddr 2001:db8:71::2 meta l4proto { tcp, udp } th dport 8080 dnat ip6 to [2001:db8:70:3::1]:7001' \
	'		ip6 daddr 2001:db8:71::3 dnat ip6 to 2001:db8:70:3::1' | in_ns 1 nft -f - ||
	fail "nft: the port forward"
probe dnat4 10.71.0.2 8080
check "IPv4 port forward: the destination translated, address and port (TCP and UDP)" \
	test "$(grep -c 'nat: destination translated: address changed, port changed (10.71.0.2:8080 dialled, 10.70.3.1:7001 reached); source none (10.70.0.2:' \
		"$T/dnat4.out")" -eq 2
check "... not 'nat: none'" hasnt dnat4 'nat: none'
check "... --json" test "$(js dnat4 '[.tcp.nat, .tcp.destination_translated, .udp.dialled.port,
	.udp.reached.port]')" = '["destination translated, port changed",true,8080,7001]'
probe dnat4a 10.71.0.3 7001
check "IPv4 address forwarded, port kept" \
	test "$(grep -c 'nat: destination translated: address changed, port kept (10.71.0.3:7001 dialled, 10.70.3.1:7001 reached)' \
		"$T/dnat4a.out")" -eq 2
probe dnat6 2001:db8:71::2 8080
check "IPv6 port forward: the destination translated" \
	test "$(grep -c 'nat: destination translated: address changed, port changed (\[2001:db8:71::2\]:8080 dialled, \[2001:db8:70:3::1\]:7001 reached)' \
		"$T/dnat6.out")" -eq 2
in_ns 1 nft flush ruleset || fail "nft flush"

# --- --ttl 3 over three routers: R3 (which would make the TTL 0) sends
# ICMP time exceeded from its address towards the client, named with its
# sender; exit 68. --ttl 4 reaches.
for v in 4 6; do
	[ $v = 4 ] && srv=$srv4 r3=10.70.2.1 ic="ICMP time exceeded (ttl exceeded in transit) (type 11, code 0)" ||
		{ srv=$srv6 r3=2001:db8:70:2::1 ic="ICMP time exceeded (hop limit exceeded in transit) (type 3, code 0)"; }
	in_c "$NETECHO" --path -w 3 --ttl 3 $srv 7001 >"$T/ttl$v.out" 2>"$T/ttl$v.err"
	check "IPv$v --ttl 3 over three routers: exit 68" test $? -eq 68
	check "... the TCP probe's ICMP named, with the router that sent it" \
		grep -Fq "tcp to $([ $v = 6 ] && echo "[$srv]" || echo $srv):7001: $ic from $r3: the TTL ran out" \
			"$T/ttl$v.err"
	check "... not 'No route to host'" not grep -q "No route to host" "$T/ttl$v.err"
	in_c "$NETECHO" --path -u -w 3 --ttl 3 $srv 7001 >"$T/ttlu$v.out" 2>"$T/ttlu$v.err"
	check "IPv$v --ttl 3, UDP: exit 68, the ICMP named" \
		test $? -eq 68 -a -n "$(grep -F "udp to" "$T/ttlu$v.err" | grep -F "$ic from $r3")"
	in_c "$NETECHO" --path -w 3 --ttl 3 --json $srv 7001 >"$T/ttlj$v.json" 2>"$T/ttlj$v.err"
	check "IPv$v --ttl 3 --json: exit 68, tcp and udp null, each with its ICMP as the reason" \
		test $? -eq 68 -a "$(js ttlj$v '[.tcp, .udp, (.unknown | keys)]')" = \
			'[null,null,["tcp","udp"]]'
	check "... the reasons name the ICMP and its sender" test "$(js ttlj$v "[.unknown.tcp,
		.unknown.udp] | map(contains(\"$ic from $r3: the TTL ran out\"))")" = '[true,true]'
	in_c "$NETECHO" --path -w 3 --ttl 4 $srv 7001 >"$T/ttl4$v.out" 2>"$T/ttl4$v.err"
	check "IPv$v --ttl 4 reaches: exit 0, no ICMP said" \
		test $? -eq 0 -a ! -s "$T/ttl4$v.err"
done

# --- --hops: each router named by its "time exceeded", hop by hop
for v in 4 6; do
	if [ $v = 4 ]; then
		srv=$srv4 r1=10.70.0.1 r2=10.70.1.1 r3=10.70.2.1
	else
		srv=$srv6 r1=2001:db8:70::1 r2=2001:db8:70:1::1 r3=2001:db8:70:2::1
	fi
	in_c "$NETECHO" --path -u --hops -w 3 $srv 7001 >"$T/hops$v.out" 2>"$T/hops$v.err"
	check "IPv$v --hops: exit 0" test $? -eq 0
	check "... four hops there, each router by its address, then the service" \
		test "$(grep -E '^(hops there|  hop )' "$T/hops$v.out" | sed 's/ (ICMP.*//')" = \
			"$(printf 'hops there: 3 (routers; a %s of 4 reaches the report service)\n  hop 1: %s\n  hop 2: %s\n  hop 3: %s\n  hop 4: %s (the report service)' \
				"$([ $v = 4 ] && echo ttl || echo 'hop limit')" $r1 $r2 $r3 $srv)"
	check "... the routers answered with time exceeded" \
		test "$(grep -c '(ICMP time exceeded' "$T/hops$v.out")" -eq 3
done
in_c "$NETECHO" --path -u --hops --json -w 3 $srv4 7001 >"$T/hops.json" 2>"$T/hopsj.err"
check "--hops --json: the trace" test "$(js hops '[.hops_there, [.trace[].from], .trace[0].icmp]')" = \
	'[3,["10.70.0.1","10.70.1.1","10.70.2.1","10.70.3.1"],"time exceeded (ttl exceeded in transit)"]'
# R2 drops what expires there and sends no ICMP: a hop that does not answer
printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook output priority 0;\n%s\n\t}\n}\n' \
	'		icmp type time-exceeded drop' | in_ns 2 nft -f - || fail "nft: no ICMP from R2"
in_c "$NETECHO" --path -u --hops -w 3 $srv4 7001 >"$T/hopsq.out" 2>"$T/hopsq.err"
check "--hops, R2 silent: said as no answer, the rest named" \
	test "$(grep -E '^  hop [1-4]:' "$T/hopsq.out" | sed 's/ (ICMP.*//')" = \
		"$(printf '  hop 1: 10.70.0.1\n  hop 2: no answer\n  hop 3: 10.70.2.1\n  hop 4: 10.70.3.1 (the report service)')"
in_ns 2 nft flush ruleset || fail "nft flush"

# --- the report lost on the way back: R3 drops what the report service
# sends after its SYN-ACK; the port answered, so no "is it netechod's?"
printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
	'		ip saddr 10.70.3.1 tcp sport 7001 tcp flags & syn == 0 drop' | in_ns 3 nft -f - ||
	fail "nft: dropping the report"
in_c "$NETECHO" --path -w 1 $srv4 7001 >"$T/lost.out" 2>"$T/lost.err"
check "a TCP report lost on the way back: exit 75" test $? -eq 75
check "... says the port answered and the report may have been lost" \
	grep -Fq "accepted the connection, but no path report came within 1s: the report was lost" \
		"$T/lost.err"
check "... no 'is it netechod's report service?'" not grep -Fq "is it netechod" "$T/lost.err"
in_c "$NETECHO" --path -w 1 --json $srv4 7001 >"$T/lostj.json" 2>"$T/lostj.err"
check "... --json: exit 75, tcp null with the reason, udp's report there" \
	test $? -eq 75 -a "$(js lostj '[.tcp, (.udp | type), (.unknown | keys)]')" = \
		'[null,"object",["tcp"]]'
check "... the reason: the port answered, the report lost or held up" \
	jq -e '.unknown.tcp | contains("accepted the connection, but no path report came within 1s: the report was lost or held up on the way back")' \
		"$T/lostj.json"
in_ns 3 nft flush ruleset || fail "nft flush"

# --- no report service (a port nothing listens on): refused over both,
# said in the JSON; --pmtu could not start, this host's MTU said all the
# same (the client's link: 1400 here)
ip -n "${NS[0]}" link set a0 mtu 1400 || fail "link MTU 1400"
in_c "$NETECHO" --path --pmtu -w 2 --json $srv4 7011 >"$T/refj.json" 2>"$T/refj.err"
check "refused --json: exit 69, tcp and udp null, refused said for each" \
	test $? -eq 69 -a "$(js refj '[.tcp, .udp, (.unknown | map_values(contains("(refused)")))]')" \
		= '[null,null,{"tcp":true,"udp":true}]'
check "... --pmtu could not start: pmtu null, why, and this host's MTU" \
	test "$(js refj '[.pmtu, (.pmtu_unknown | contains("refused")), .local_mtu]')" = \
		'[null,true,1400]'
ip -n "${NS[0]}" link set a0 mtu 1500 || fail "link MTU 1500"
in_c "$NETECHO" --path -w 3 --json $srv4 7001 >"$T/okj.json" 2>"$T/okj.err"
check "a path that answers, --json: nothing null for the whole, unknown empty" \
	test "$(js okj '[(.tcp | type), (.udp | type), .unknown]')" = '["object","object",{}]'

# --- the first two SYNs lost (R1 drops them): the default wait outlasts
# the resends at 1 s and 3 s
printf 'table inet lab {\n\tchain c {\n\t\ttype filter hook forward priority -150;\n%s\n\t}\n}\n' \
	'		tcp dport 7001 tcp flags & (syn | ack) == syn numgen inc mod 3 < 2 drop' |
	in_ns 1 nft -f - || fail "nft: dropping two SYNs"
in_c "$NETECHO" --path $srv4 7001 >"$T/syns.out" 2>"$T/syns.err"
check "two SYNs lost, no -w: connected all the same, exit 0" test $? -eq 0
check "... the TCP report came" grep -q "^tcp " "$T/syns.out"
in_ns 1 nft flush ruleset || fail "nft flush"

stop_daemon
check "netechod exit 0" test "$DSTATUS" -eq 0
