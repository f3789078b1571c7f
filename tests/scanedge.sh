#!/bin/bash
# scanedge: netecho --scan's verdicts where they are easy to get wrong, on
# loopback. A probe to a free port of the ephemeral range may take that
# very port as its source and connect to itself: nothing listens there, so
# the port is refused (self-connect), never open, over TCP and UDP. A
# service that greets before it echoes still echoes, whichever comes
# first (the probe's line held back by nftables makes the greeting come
# first every time). A PORTS argument with control bytes is shown escaped.
. "${top_srcdir:-.}/tests/lib.sh"

# --- PORTS with control bytes: one line, escaped --------------------------
"$NETECHO" --scan 127.0.0.1 $'7000\e[2J\nnetecho: forged' >"$T/ports.out" 2>"$T/ports.err"
check "PORTS with control bytes: exit 64 (usage)" test $? -eq 64
check "... one line on standard error" test "$(wc -l <"$T/ports.err")" -eq 1
check "... no escape byte reaches the terminal" bash -c "! grep -q $'\e' '$T/ports.err'"
check "... the bytes shown escaped" grep -qF '"7000\x1b[2J\x0anetecho: forged"' "$T/ports.err"

# --- self-connect ---------------------------------------------------------
# (net.ipv4.ip_local_port_range is this namespace's own)
sysctl -qw net.ipv4.ip_local_port_range="40000 40001" || skip "cannot set ip_local_port_range"
for proto in tcp udp; do
	u=
	[ $proto = udp ] && u=-u
	"$NETECHO" --scan $u -w 3 127.0.0.1 39999-40002 >"$T/range-$proto.out" 2>&1
	check "$proto: ephemeral range 40000-40001, nothing listens: no port open, exit 1" \
		bash -c "test $? -eq 1 && grep -Eqx '0 open, 4 refused, 0 (filtered|open\|filtered)' \
			'$T/range-$proto.out'"
done
# one ephemeral port: the probe of 40000 connects to itself every time
sysctl -qw net.ipv4.ip_local_port_range="40000 40000" || skip "cannot set a one-port range"
for proto in tcp udp; do
	u=
	[ $proto = udp ] && u=-u
	"$NETECHO" --scan $u -w 3 127.0.0.1 39999-40001 >"$T/self-$proto.out" 2>&1
	check "$proto: the probe that connected to itself: refused (self-connect)" \
		grep -qx '  40000 refused (self-connect)' "$T/self-$proto.out"
	check "$proto: ... the others refused, every one told" \
		grep -Eqx '0 open, 3 refused, 0 (filtered|open\|filtered)' "$T/self-$proto.out"
	"$NETECHO" --scan $u --json -w 3 127.0.0.1 40000 >"$T/self-$proto.json" 2>&1
	check "$proto --json: refused_by self-connect" \
		test "$(jq -c '.ports[0]' "$T/self-$proto.json")" = \
			'{"port":40000,"state":"refused","refused_by":"self-connect"}'
done
sysctl -qw net.ipv4.ip_local_port_range="32768 60999" || fail "restore ip_local_port_range"

# --- a greeting before the echo -------------------------------------------
cfg=$(printf '%s\n' '[report]' "port = $REPORT_PORT" '[server]' 'host = 127.0.0.1' \
	'port = 7000-7009' '[tcp]' 'greeting = "hello\r\n"' 'reply_prefix = "> "' | conf greet)
start_daemon "$cfg"
all_echo=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	"$NETECHO" --scan -w 5 127.0.0.1 7000-7009 >"$T/greet-$i.out" 2>&1
	grep -qx '  7000-7009 open (echoes)' "$T/greet-$i.out" && all_echo=$((all_echo + 1))
done
check "greeting and reply prefix: 10 scans of 10 ports, every port open (echoes)" \
	test "$all_echo" -eq 10
# the probe's line dropped once a connection: the greeting comes first,
# the echo after the client sends the line again
command -v nft >/dev/null || skip "nft (nftables) is not installed"
nft -f - <<'EOF' || fail "nft"
table inet hold {
	chain output {
		type filter hook output priority 0;
		tcp dport 7000-7009 tcp flags & psh == psh ct mark != 1 ct mark set 1 counter drop
	}
}
EOF
"$NETECHO" --scan -w 10 127.0.0.1 7000-7009 >"$T/held.out" 2>&1
check "the greeting first, the echo a retransmission later: every port open (echoes)" \
	grep -qx '  7000-7009 open (echoes)' "$T/held.out"
check "... the probes' lines were held back (the rule dropped 10)" \
	test "$(nft list table inet hold | grep -o 'packets [0-9]*')" = "packets 10"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
