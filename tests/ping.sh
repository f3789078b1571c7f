#!/bin/bash
# ping: netecho's ping mode as ping's users expect it, against the real
# daemon: SIGINT (sent by this test) prints ping's summary and exits by it
# (0 when nothing was lost, 1 when something was); -n 0 runs until then;
# -s sets a probe's size; -D puts the time of day before each line; -q
# prints the summary alone; --connect times TCP handshakes, one new
# connection a probe.
. "${top_srcdir:-.}/tests/lib.sh"

cfg=$( { base_conf; printf '[udp]\necho = yes\necho_rate = 1000\n'; } | conf p)
start_daemon "$cfg"

# ping_until_sigint NAME PATTERN ARGS...: netecho ARGS in the background
# until its output has a line matching PATTERN, then SIGINT; its status
# in ST, its output in $T/NAME.out.
ping_until_sigint() {
	local name=$1 pattern=$2 pid
	shift 2
	"$NETECHO" "$@" >"$T/$name.out" 2>"$T/$name.err" &
	pid=$!
	BG_PIDS="$BG_PIDS $pid"
	wait_for "$T/$name.out" "$pattern" 20
	kill -INT $pid
	wait $pid
	ST=$?
}

ping_until_sigint forever '^[0-9]+ bytes from .*: seq=3 ' -n 0 -i 0.05 127.0.0.1 $PORT
check "-n 0 until SIGINT: exit 0, nothing lost" test $ST -eq 0
check "... ping's summary on SIGINT" \
	grep -Eqx '([3-9]|[1-9][0-9]+) sent, \1 received, 0% loss, time [0-9]+ms' "$T/forever.out"
check "... with rtt min/avg/max/mdev" \
	grep -Eqx 'rtt min/avg/max/mdev = [0-9.]+/[0-9.]+/[0-9.]+/[0-9.]+ ms' "$T/forever.out"
check "... and no complaint on stderr" test ! -s "$T/forever.err"

# UDP with the echo off on another port: every probe lost, SIGINT says so
cfg2=$( { base_conf; printf '[udp]\necho = no\n'; } | conf quiet)
stop_daemon
start_daemon "$cfg2"
ping_until_sigint lost '^no reply from .*: seq=2 ' -u -n 0 -i 0 -w 0.1 127.0.0.1 $PORT
check "SIGINT after lost probes: exit 1" test $ST -eq 1
check "... the summary counts them: 100% loss, no rtt line" \
	bash -c "grep -Eqx '([2-9]|[1-9][0-9]+) sent, 0 received, 100% loss, time [0-9]+ms' \
		'$T/lost.out' && ! grep -q '^rtt' '$T/lost.out'"
stop_daemon
start_daemon "$cfg"

# -s: the probe's size, over TCP and UDP
m=$(mark "$T/d.err")
"$NETECHO" -n 2 -i 0 -s 1000 127.0.0.1 $PORT >"$T/size.out"
check "-s 1000 over TCP: exit 0, 2 replies" \
	bash -c "test $? -eq 0 && grep -Eqx '2 sent, 2 received, 0% loss, time [0-9]+ms' '$T/size.out'"
wait_after "$T/d.err" "$m" 'tcp close peer=.* in=2000 '
ok "... the daemon read 2000 bytes: two 1000-byte probes"
"$NETECHO" -u -n 2 -i 0 -s 1000 127.0.0.1 $PORT >"$T/usize.out"
check "-s 1000 over UDP: 1000-byte datagrams come back" \
	test "$(grep -Ec '^1000 bytes from 127\.0\.0\.1:7000: seq=[12] ' "$T/usize.out")" -eq 2
"$NETECHO" -n 1 -s 10 127.0.0.1 $PORT </dev/null >/dev/null 2>"$T/small.err"
check "-s smaller than MESSAGE seq=N: 64, saying the range" \
	bash -c "test $? -eq 64 && grep -q 'a ping probe here is from 20 to 65507 bytes' '$T/small.err'"

# -D: ping -D's [seconds.microseconds]; -q: the summary alone
"$NETECHO" -n 2 -i 0 -D 127.0.0.1 $PORT >"$T/stamps.out"
check "-D: each reply line after [seconds.microseconds]" \
	test "$(grep -Ec '^\[[0-9]{10,}\.[0-9]{6}\] [0-9]+ bytes from 127\.0\.0\.1:7000: seq=[12] ' \
		"$T/stamps.out")" -eq 2
"$NETECHO" -n 2 -i 0 -q 127.0.0.1 $PORT >"$T/quiet.out"
check "-q: exit 0, no probe lines, the summary" \
	bash -c "test $? -eq 0 && ! grep -q 'bytes from' '$T/quiet.out' && \
		grep -Eqx '2 sent, 2 received, 0% loss, time [0-9]+ms' '$T/quiet.out'"

# --connect: one new connection a probe, timed to the handshake
m=$(mark "$T/d.err")
"$NETECHO" --connect -n 3 -i 0 127.0.0.1 $PORT >"$T/connect.out"
check "--connect: exit 0, a line a handshake" \
	bash -c "test $? -eq 0 && test \$(grep -Ec \
		'^connected to 127\.0\.0\.1:7000: seq=[123] time=[0-9.]+ ms$' '$T/connect.out') -eq 3"
check "... and ping's summary" \
	grep -Eqx '3 sent, 3 received, 0% loss, time [0-9]+ms' "$T/connect.out"
until_count_after "$T/d.err" "$m" 'tcp close peer=' 3
check "... the daemon saw three connections, each closed with nothing sent" \
	test "$(count_after "$T/d.err" "$m" 'tcp close peer=.* in=0 ')" -eq 3
"$NETECHO" --connect -n 2 -i 0 127.0.0.1 7009 >"$T/refused.out"
check "--connect to a closed port: exit 1, each probe refused, 100% loss" \
	bash -c "test $? -eq 1 && \
		test \$(grep -c 'no connection to 127.0.0.1:7009: seq=[12]: Connection refused' \
			'$T/refused.out') -eq 2 && \
		grep -Eqx '2 sent, 0 received, 100% loss, time [0-9]+ms' '$T/refused.out'"
ping_until_sigint cforever '^connected to .*: seq=2 ' --connect -i 0.05 127.0.0.1 $PORT
check "--connect without -n: until SIGINT, then the summary and 0" \
	bash -c "test $ST -eq 0 && grep -Eq '^([2-9]|[1-9][0-9]+) sent, ' '$T/cforever.out'"
for args in "--connect -u" "--connect -m x" "-q" "-D -m x" "--connect --bench"; do
	# shellcheck disable=SC2086
	"$NETECHO" $args 127.0.0.1 $PORT </dev/null >/dev/null 2>&1
	[ $? -eq 64 ] || fail "netecho $args: expected exit 64"
done
ok "--connect with -u or -m, -q or -D outside ping mode: 64"
stop_daemon
