#!/bin/bash
# client: netecho's modes and failures against the real daemon: ping-style
# timing over TCP and UDP with ping's summary, lost replies, and one line
# and a distinct status for refused, timed out and name not found.
. "${top_srcdir:-.}/tests/lib.sh"

cfg=$( { base_conf; printf '[udp]\necho = yes\n'; } | conf c)
start_daemon "$cfg"

"$NETECHO" -n 3 -i 0.05 127.0.0.1 $PORT >"$T/ping.out"
check "TCP ping: exit 0 when every reply came" test $? -eq 0
check "TCP ping: one line per reply with its round trip" \
	test "$(grep -Ec '^[0-9]+ bytes from 127\.0\.0\.1:7000: seq=[123] time=[0-9.]+ ms$' \
		"$T/ping.out")" -eq 3
check "TCP ping: the summary in ping's form" \
	grep -Eqx '3 sent, 3 received, 0% loss, time [0-9]+ms' "$T/ping.out"
check "TCP ping: rtt min/avg/max/mdev" \
	grep -Eqx 'rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms' "$T/ping.out"
check "the probes reached the daemon as MESSAGE seq=N" \
	grep -q 'tcp data peer=.* data="ping seq=3\\x0a"' "$T/d.err"

"$NETECHO" -u -n 2 -i 0.05 -m hello 127.0.0.1 $PORT >"$T/uping.out"
check "UDP ping with echo on: exit 0, 2 replies" \
	bash -c "test $? -eq 0 && \
		grep -Eqx '2 sent, 2 received, 0% loss, time [0-9]+ms' '$T/uping.out'"
check "UDP ping carries the message" grep -q 'data="hello seq=2\\x0a"' "$T/d.err"
stop_daemon

# echo off: UDP replies are lost, and ping says so
cfg=$(base_conf | conf quiet)
start_daemon "$cfg"
"$NETECHO" -u -n 2 -i 0.05 -w 0.2 127.0.0.1 $PORT >"$T/lost.out"
check "lost replies: exit 1" test $? -eq 1
check "lost replies: 100% loss in the summary" \
	grep -Eqx '2 sent, 0 received, 100% loss, time [0-9]+ms' "$T/lost.out"
check "lost replies: no rtt line" bash -c "! grep -q '^rtt' '$T/lost.out'"

# standard input over UDP: each line a datagram, replies as they come
cfg2=$( { base_conf; printf '[udp]\necho = yes\n'; } | conf udpecho)
stop_daemon
start_daemon "$cfg2"
( echo first; sleep 0.5; echo second ) | "$NETECHO" -u -w 0.5 127.0.0.1 $PORT >"$T/ustdin.out"
check "UDP: each input line is a datagram, each reply printed" \
	cmp -s "$T/ustdin.out" <(printf 'first\nsecond\n')
"$NETECHO" -n 1 127.0.0.1 $PORT >/dev/full 2>"$T/full.err"
check "an output that cannot be written: exit 74, not a silent 0" test $? -eq 74
check "... with one line saying why" \
	grep -q '^netecho: standard output: No space left on device' "$T/full.err"
"$NETECHO" -m "$(head -c 70000 /dev/zero | tr '\0' a)" 127.0.0.1 $PORT 2>"$T/long.err"
check "a message too long is refused (64), not cut" \
	bash -c "test $? -eq 64 && grep -q 'too long' '$T/long.err'"
stop_daemon

# ping against a server that closes the connection: 69, not "lost"
cfg3=$( { base_conf; printf '[tcp]\nmax_connections = 1\n'; } | conf one)
start_daemon "$cfg3"
"$ECHOCHECK" -p $PORT -c 1 -n 1 -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 1$'
"$NETECHO" -n 3 -i 0.05 127.0.0.1 $PORT >/dev/null 2>"$T/closed.err"
check "ping on a connection the server closes: exit 69" test $? -eq 69
kill -USR1 $holder
wait $holder
stop_daemon

# standard output closed: the replies do not go into netecho's own socket
# (which would take descriptor 1), and nothing goes back to the daemon
start_daemon "$cfg"
"$NETECHO" -m hello 127.0.0.1 $PORT >&-
check "stdout closed: exit 0" test $? -eq 0
stop_daemon
check "the daemon read the 6 bytes of hello, and none of the replies" \
	grep -q 'tcp close peer=.* in=6 out=15 .*reason=eof' "$T/d.err"
start_daemon "$cfg"
"$NETECHO" --bench -c 1 -d 1 127.0.0.1 $PORT >&-
check "--bench with stdout closed: exit 0" test $? -eq 0
stop_daemon

# issue 20: -p is the port (as iperf3, nping, ssh); --path has no short name
start_daemon "$cfg"
"$NETECHO" -p $PORT -m hello >"$T/dashp.out" 2>&1
check "-p PORT with no HOST: 127.0.0.1 on that port, the echo printed" \
	bash -c "test $? -eq 0 && grep -qx 'Receive: hello' '$T/dashp.out'"
"$NETECHO" --port $PORT -n 1 -i 0 127.0.0.1 >"$T/dashport.out"
check "--port in ping mode" \
	bash -c "test $? -eq 0 && grep -Eq 'from 127\.0\.0\.1:$PORT: seq=1' '$T/dashport.out'"
"$NETECHO" --path -p $REPORT_PORT 127.0.0.1 >"$T/pathp.out" 2>&1
check "--path -p REPORT_PORT: the report service on that port (exit 0)" test $? -eq 0
check "... and no word of another port" bash -c "! grep -q 'port + 1' '$T/pathp.out'"
# loopback announces an MSS of 65,495 and Linux sends at most half the
# SYN-ACK's window: no clamp on the way back, never said to be one
check "... loopback's way back: the MSS is kept or unknown, never clamped" \
	grep -Eq '^  mss back: (kept|unknown) ' "$T/pathp.out"
# --path given the echo port: said once, plainly, where the report service is
"$NETECHO" --path -w 1 127.0.0.1 $PORT >/dev/null 2>"$T/pathecho.err"
st=$?
check "--path HOST ECHOPORT: fails (75 or 76: no report, or not one)" test $st -eq 75 -o $st -eq 76
check "... and says once that the report service is on the echo port + 1 by default" \
	test "$(grep -c "listens on the echo port + 1 by default (\[report\] port in netechod.conf); if $PORT is the echo port, try: netecho --path -p $((PORT + 1)) \"127.0.0.1\"\$" \
		"$T/pathecho.err")" -eq 1
stop_daemon

# failures: one line on stderr each, a distinct status
"$NETECHO" -m x 127.0.0.1 $PORT >/dev/null 2>"$T/refused.err"
check "connection refused: exit 69" test $? -eq 69
check "connection refused: one line naming the address" \
	bash -c "test \$(wc -l <'$T/refused.err') -eq 1 && \
		grep -qx 'netecho: cannot connect to 127.0.0.1:7000: Connection refused' \
			'$T/refused.err'"

# with no name server to ask, a lookup fails for now: 75
"$NETECHO" -m x no.such.host.invalid $PORT 2>"$T/noserver.err"
check "no name server answers: exit 75" test $? -eq 75
# names from /etc/hosts alone (in this test's mount namespace): not found
printf 'hosts: files\n' >"$T/nsswitch.conf"
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf || skip "cannot bind /etc/nsswitch.conf"
"$NETECHO" -m x no.such.host.invalid $PORT 2>"$T/nohost.err"
check "name not found: exit 68" test $? -eq 68
check "name not found: one line" \
	bash -c "test \$(wc -l <'$T/nohost.err') -eq 1 && \
		grep -q '^netecho: cannot resolve no.such.host.invalid: ' '$T/nohost.err'"

# a server that accepts and never answers
nc -lk 127.0.0.1 $PORT >/dev/null &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do nc -z 127.0.0.1 $PORT 2>/dev/null && break; sleep 0.05; done
timeout 10 "$NETECHO" -w 0.3 -m x 127.0.0.1 $PORT >/dev/null 2>"$T/timeout.err"
check "no reply within -w: exit 75" test $? -eq 75
check "no reply within -w: says so" \
	grep -q 'timed out after 0.3s waiting for the replies' "$T/timeout.err"

# standard input to a server that never reads: -w bounds that wait too
STRESS=$top_builddir/tests/stress
"$STRESS" bind -p 7005 >"$T/bind.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/bind.out" '^bound$'
timed bash -c "head -c 50000000 /dev/zero |
	timeout 30 '$NETECHO' -w 1 127.0.0.1 7005 >/dev/null 2>'$T/noread.err'"
check "standard input to a server that never reads: 75 ($ELAPSED_MS ms), not a hang" \
	test "$ELAPSED_STATUS" -eq 75 -a "$ELAPSED_MS" -lt 20000
check "... saying why" \
	grep -q 'timed out after 1s: the server takes nothing of what is sent' "$T/noread.err"

# usage errors
for args in "-w abc" "-w 0" "-n -1" "-n 5x" "-i -1" "-x" "host 70000" "host port extra"; do
	# shellcheck disable=SC2086
	"$NETECHO" $args </dev/null >/dev/null 2>&1
	[ $? -eq 64 ] || fail "netecho $args: expected exit 64"
done
ok "bad options and numbers: exit 64"
# a bad argument's control bytes are shown escaped, never raw on the terminal
badarg() {
	"$NETECHO" "$@" </dev/null >/dev/null 2>"$T/badarg.err"
	[ $? -eq 64 ] || fail "netecho ${*@Q}: expected exit 64"
	head -n 1 "$T/badarg.err" | grep -q '\\x[01][0-9a-f]' && ! grep -q $'[\e\a\t]' "$T/badarg.err" &&
		[ "$(grep -c '^netecho: ' "$T/badarg.err")" -eq 1 ] ||
		fail "netecho ${*@Q}: the message shows control bytes raw"
}
badarg -w $'1\e[2J'
badarg -c $'\n5' --scan h 1
badarg localhost $'7\a'
badarg localhost 7 $'x\ty'
ok "a bad argument's control bytes are shown escaped"
# issue 20: -p is the port (as iperf3, nping, ssh); a bare number is no host
"$NETECHO" $PORT </dev/null >/dev/null 2>"$T/bare.err"
st=$?
check "a HOST that is a bare number: 64, one line pointing at -p" \
	test $st -eq 64 -a "$(wc -l <"$T/bare.err")" -eq 1 -a \
		"$(grep -c "^netecho: HOST \"$PORT\" is a bare number, not a host: a port is -p PORT" \
			"$T/bare.err")" -eq 1
"$NETECHO" -p $PORT 127.0.0.1 $PORT </dev/null >/dev/null 2>&1
check "the port given twice (-p and PORT): 64" test $? -eq 64
"$NETECHO" -p 1 --scan 127.0.0.1 1 </dev/null >/dev/null 2>&1
check "-p with --scan (whose ports are PORTS): 64" test $? -eq 64
# an unknown option: the error and where to look, never the whole help
for args in "-x" "--no-such-option" "--bogus=3" "-w" "-ux" "--path -z"; do
	# shellcheck disable=SC2086
	"$NETECHO" $args </dev/null >"$T/unknown.out" 2>"$T/unknown.err"
	st=$?
	[ $st -eq 64 ] || fail "netecho $args: exit $st, not 64"
	[ ! -s "$T/unknown.out" ] && [ "$(wc -l <"$T/unknown.err")" -le 3 ] &&
		grep -q "^netecho: " "$T/unknown.err" &&
		grep -qx "Try 'netecho --help' for more information." "$T/unknown.err" ||
		fail "netecho $args: more than 3 lines, or no pointer to --help"
done
ok "an unknown option or a missing argument: at most 3 lines, ending with where to look"
"$NETECHO" --help >"$T/help.out"
check "--help: exit 0, usage on stdout" \
	bash -c "test $? -eq 0 && grep -q '^usage: netecho' '$T/help.out'"
for o in --message --raw --udp --wait --count --interval --bench --connections --duration --size \
	--json --port --path --scan --help --version; do
	grep -q -- "$o" "$T/help.out" || fail "--help does not mention $o"
done
ok "--help lists every long option"
check "--help: -p is --port, and --path has no short name" \
	bash -c "grep -Eq '^  -p, --port PORT ' '$T/help.out' && grep -Eq '^      --path ' '$T/help.out'"
check "--version" bash -c "'$NETECHO' -V | grep -Eqx 'netecho [0-9]+\.[0-9]+\.[0-9]+'"
