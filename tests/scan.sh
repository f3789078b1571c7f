#!/bin/bash
# scan: many ports, and netecho --scan telling them apart. netechod on the
# lab's server listens on ports 7000-7010 (TCP, and UDP with echo on); the
# server's own nftables rules reject some (a TCP reset, ICMP port
# unreachable, ICMP administratively prohibited) and drop others; 7011 and
# 7012 have nothing listening. The scan from the client says open (it
# echoes), refused or filtered for each, grouped into ranges, over TCP and
# UDP, IPv4 and IPv6, as text and JSON; the daemon logs the local port
# each connection reached, and counts each port.
. "${top_srcdir:-.}/tests/lib.sh"

. "$top_srcdir/tests/lab.sh"
lab_for_test
# every unreachable answered: the kernel's ICMP rate limit would leave a
# closed UDP port looking filtered
in_s sysctl -qw net.ipv4.icmp_ratelimit=0 net.ipv6.icmp.ratelimit=0 || fail "sysctl icmp"
in_s nft -f - <<'EOF' || fail "nft"
table inet scan {
	chain input {
		type filter hook input priority 0;
		tcp dport 7005 reject with tcp reset
		tcp dport 7006 reject with icmpx type admin-prohibited
		udp dport 7005 reject with icmpx type port-unreachable
		udp dport 7006 reject with icmpx type admin-prohibited
		meta l4proto { tcp, udp } th dport 7007-7010 drop
	}
}
EOF

cfg=$(printf '%s\n' '[server]' 'host = *' 'port = 7000-7010' '[udp]' 'echo = yes' \
	'echo_rate = 100000' 'echo_rate_total = 100000' '[report]' 'port = 7100' '[log]' \
	'rate_limit = 0' | conf scan)
: >"$T/d.err"
ip netns exec "$LAB_S" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
check "11 ports a protocol, two families: 44 sockets and the report's 4" \
	test "$(grep -c 'listening on' "$T/d.err")" -eq 48

# scan NAME ARGS...: the text in $T/NAME.out, the JSON in $T/NAME.json. A
# probe waits 3 s: an ICMP error that comes while the kernel still holds
# the socket sending the SYN counts only when the SYN is sent again, after
# a second
scan() {
	local name=$1
	shift
	in_c "$NETECHO" --scan -w 3 "$@" >"$T/$name.out" 2>"$T/$name.err"
	SSTATUS=$?
	in_c "$NETECHO" --scan -w 3 --json "$@" >"$T/$name.json" 2>>"$T/$name.err"
}
line() { grep -Fxq -- "$2" "$T/$1.out"; }

for srv in 10.0.2.2 2001:db8:2::2; do
	case $srv in *:*) x="(IPv6)" ;; *) x="(IPv4)" ;; esac
	scan tcp "$srv" 7000-7012
	check "$x tcp: exit 1, some ports not open" test "$SSTATUS" -eq 1
	check "$x tcp: 7000-7004 open, and they echo" line tcp "  7000-7004 open (echoes)"
	check "$x tcp: 7005 refused by a reset" line tcp "  7005 refused"
	check "$x tcp: 7006 refused by ICMP (administratively prohibited)" \
		line tcp "  7006 refused (unreachable)"
	check "$x tcp: 7007-7010 filtered" line tcp "  7007-7010 filtered (nothing came back)"
	check "$x tcp: 7011-7012 refused (nothing listens)" line tcp "  7011-7012 refused"
	check "$x tcp: the summary" line tcp "5 open, 4 refused, 4 filtered"
	check "$x tcp --json: each port's state" \
		test "$(jq -c '[.proto, .open, .refused, .filtered, (.ports | map(.state) | join(","))]' \
			"$T/tcp.json")" = \
		'["tcp",5,4,4,"open,open,open,open,open,refused,refused,filtered,filtered,filtered,filtered,refused,refused"]'
	check "$x tcp --json: echoes, and what refused (refused_by)" \
		test "$(jq -c '[.ports[0].echoes, .ports[5].refused_by, .ports[6].refused_by]' \
			"$T/tcp.json")" = '[true,"reset-or-port-unreachable","other-unreachable"]'
	scan udp -u "$srv" 7000-7012
	check "$x udp: 7000-7004 open, and they echo" line udp "  7000-7004 open (echoes)"
	check "$x udp: 7005 refused (port unreachable)" line udp "  7005 refused"
	check "$x udp: 7006 refused (administratively prohibited)" line udp "  7006 refused (unreachable)"
	check "$x udp: 7007-7010 open|filtered: a silent service looks like a drop" \
		line udp "  7007-7010 open|filtered (nothing came back: a silent service, or dropped)"
	check "$x udp: 7011-7012 refused (nothing listens: port unreachable)" \
		line udp "  7011-7012 refused"
	check "$x udp: the summary says open|filtered" line udp "5 open, 4 refused, 4 open|filtered"
	check "$x udp --json: open|filtered, counted as open_or_filtered" \
		test "$(jq -c '[.open_or_filtered, .ports[7].state, .ports[5].refused_by]' \
			"$T/udp.json")" = '[4,"open|filtered","port-unreachable"]'
	# --expect: the firewall's intended states as an exit status
	in_c "$NETECHO" --scan -w 3 --expect \
		'open:7000-7004 refused:7005-7006,7011-7012 filtered:7007-7010' "$srv" 7000-7012 \
		>"$T/expect.out" 2>"$T/expect.err"
	check "$x --expect, every port as expected: exit 0, nothing said" \
		bash -c "test $? -eq 0 && test ! -s '$T/expect.err'"
	in_c "$NETECHO" --scan -w 3 --expect 'open:7000-7005 filtered:7011' "$srv" 7000-7012 \
		>"$T/unexpect.out" 2>"$T/unexpect.err"
	check "$x --expect, two ports not so: exit 1, each said" \
		bash -c "test $? -eq 1 && \
			grep -qx 'netecho: --expect: port 7005 is refused, not open' '$T/unexpect.err' && \
			grep -qx 'netecho: --expect: port 7011 is refused, not filtered' '$T/unexpect.err' && \
			test \$(wc -l <'$T/unexpect.err') -eq 2"
	in_c "$NETECHO" --scan -u -w 3 --expect 'open|filtered:7007-7010 open:7000' "$srv" 7000,7007-7010 \
		>"$T/uexpect.out" 2>"$T/uexpect.err"
	check "$x --expect over UDP with open|filtered: exit 0" test $? -eq 0
	scan open "$srv" 7000-7004
	check "$x every port open: exit 0" test "$SSTATUS" -eq 0
	scan dropped -u "$srv" 7007-7010
	check "$x udp, all dropped: says that UDP shows open only where something answers" \
		grep -q 'a UDP port shows open only where something answers' "$T/dropped.out"
done

# --expect's usage errors: a state it does not know, a port not scanned
"$NETECHO" --scan --expect 'shut:7000' 127.0.0.1 7000 </dev/null >/dev/null 2>"$T/badexp.err"
check "--expect with an unknown state: 64, saying which" \
	bash -c "test $? -eq 64 && grep -q 'shut:7000: not STATE:PORTS' '$T/badexp.err'"
"$NETECHO" --scan --expect 'open:7001' 127.0.0.1 7000 </dev/null >/dev/null 2>"$T/badexp2.err"
check "--expect naming a port not in PORTS: 64" \
	bash -c "test $? -eq 64 && grep -q 'port 7001 is not in PORTS' '$T/badexp2.err'"
"$NETECHO" --expect 'open:7000' 127.0.0.1 7000 </dev/null >/dev/null 2>&1
check "--expect without --scan: 64" test $? -eq 64

# the report's port answers, and is told apart from an echo
scan report 10.0.2.2 7100
check "the path report's port: open, answering but not echoing" line report "  7100 open (answers)"

# -c above what the descriptor limit allows: the soft limit raised to fit,
# or, under a hard limit, fewer probes at once (said); every port told
in_c prlimit --nofile=10:1000 "$NETECHO" --scan -c 64 -w 3 10.0.2.2 7000-7012 \
	>"$T/raised.out" 2>"$T/raised.err"
check "-c 64 under a soft limit of 10: raised, nothing said" test ! -s "$T/raised.err"
check "... every port told" line raised "5 open, 4 refused, 4 filtered"
in_c prlimit --nofile=20:20 "$NETECHO" --scan -c 64 -w 3 10.0.2.2 7000-7012 \
	>"$T/few.out" 2>"$T/few.err"
check "-c 64 under a hard limit of 20: 4 probes at once, and said" \
	grep -qx 'netecho: --scan: 4 probes at once (the descriptor limit, 20)' "$T/few.err"
check "... every port told" line few "5 open, 4 refused, 4 filtered"

# the daemon: the local port reached in each line, and counted per port
m=$(mark "$T/d.err")
in_c "$NETECHO" -m hi 10.0.2.2 7003 >/dev/null || fail "echo on 7003"
wait_after "$T/d.err" "$m" 'tcp open peer=10\.0\.1\.2:[0-9]+ local=10\.0\.2\.2:7003 '
ok "the tcp open line names the port reached"
kill -USR1 "$DPID"
wait_after "$T/d.err" "$m" 'stats ports udp='
check "the stats count each port reached, TCP" \
	test "$(count_after "$T/d.err" "$m" 'stats ports tcp=7000:[0-9]+,7001:[0-9]+,.*7003:[0-9]+')" -eq 1
check "... and UDP" test "$(count_after "$T/d.err" "$m" 'stats ports udp=7000:[0-9]+,')" -eq 1
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
