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
	test "$(grep -Ec '^[0-9]+ bytes from 127\.0\.0\.1:7000: seq=[123] time=[0-9.]+ ms$' "$T/ping.out")" -eq 3
check "TCP ping: the summary in ping's form" \
	grep -Eqx '3 sent, 3 received, 0% loss, time [0-9]+ms' "$T/ping.out"
check "TCP ping: rtt min/avg/max/mdev" \
	grep -Eqx 'rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms' "$T/ping.out"
check "the probes reached the daemon as MESSAGE seq=N" \
	grep -q 'tcp data peer=.* data="ping seq=3\\x0a"' "$T/d.err"

"$NETECHO" -u -n 2 -i 0.05 -m hello 127.0.0.1 $PORT >"$T/uping.out"
check "UDP ping with echo on: exit 0, 2 replies" \
	bash -c "test $? -eq 0 && grep -Eqx '2 sent, 2 received, 0% loss, time [0-9]+ms' '$T/uping.out'"
check "UDP ping carries the message" grep -q 'data="hello seq=2\\x0a"' "$T/d.err"
stop_daemon

# echo off: UDP replies are lost, and ping says so
cfg=$(base_conf | conf quiet)
start_daemon "$cfg"
"$NETECHO" -u -n 2 -i 0.05 -w 0.2 127.0.0.1 $PORT >"$T/lost.out"
check "lost replies: non-zero exit" test $? -ne 0
check "lost replies: 100% loss in the summary" grep -Eqx '2 sent, 0 received, 100% loss, time [0-9]+ms' "$T/lost.out"
check "lost replies: no rtt line" bash -c "! grep -q '^rtt' '$T/lost.out'"
stop_daemon

# failures: one line on stderr each, a distinct status
"$NETECHO" -m x 127.0.0.1 $PORT >/dev/null 2>"$T/refused.err"
check "connection refused: exit 69" test $? -eq 69
check "connection refused: one line naming the address" \
	bash -c "test \$(wc -l <'$T/refused.err') -eq 1 && grep -qx 'netecho: cannot connect to 127.0.0.1:7000: Connection refused' '$T/refused.err'"

"$NETECHO" -m x no.such.host.invalid $PORT 2>"$T/nohost.err"
check "name not found: exit 68" test $? -eq 68
check "name not found: one line" \
	bash -c "test \$(wc -l <'$T/nohost.err') -eq 1 && grep -q '^netecho: cannot resolve no.such.host.invalid: ' '$T/nohost.err'"

# a server that accepts and never answers
nc -lk 127.0.0.1 $PORT >/dev/null &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do nc -z 127.0.0.1 $PORT 2>/dev/null && break; sleep 0.05; done
timeout 10 "$NETECHO" -w 0.3 -m x 127.0.0.1 $PORT >/dev/null 2>"$T/timeout.err"
check "no reply within -w: exit 75" test $? -eq 75
check "no reply within -w: says so" grep -q 'timed out after 0.3s waiting for the replies' "$T/timeout.err"

# usage errors
for args in "-w abc" "-w 0" "-n 0" "-n 5x" "-i -1" "-x" "host 70000" "host port extra"; do
	# shellcheck disable=SC2086
	"$NETECHO" $args </dev/null >/dev/null 2>&1
	[ $? -eq 64 ] || fail "netecho $args: expected exit 64"
done
ok "bad options and numbers: exit 64"
"$NETECHO" --help >"$T/help.out"
check "--help: exit 0, usage on stdout" bash -c "test $? -eq 0 && grep -q '^usage: netecho' '$T/help.out'"
for o in --message --raw --udp --wait --count --interval --help --version; do
	grep -q -- "$o" "$T/help.out" || fail "--help does not mention $o"
done
ok "--help lists every long option"
check "--version" bash -c "'$NETECHO' -V | grep -Eqx 'netecho [0-9]+\.[0-9]+\.[0-9]+'"
