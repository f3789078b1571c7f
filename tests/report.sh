#!/bin/bash
# report: the path report service, as its safety rests on: over TCP one
# JSON line about the connection's SYN, then a clean close (nc shows it);
# over UDP a report only to a datagram larger than it, never to a
# privileged port nor to the daemon's own sockets, at most [report] rate
# a second to one address and rate_total in all; a report sent to an echo
# service comes back too small to be answered: no loop. show_local = no
# leaves the local address out, and a reload applies it.
. "${top_srcdir:-.}/tests/lib.sh"

command -v jq >/dev/null || skip "jq is not installed"
STRESS=$top_builddir/tests/stress
# a configuration on $PORT with the report on $REPORT_PORT and these
# [report] lines
report_conf() {
	printf '[server]\nhost = 127.0.0.1\nport = %s\n[log]\nrate_limit = 0\n[report]\nport = %s\n' \
		$PORT $REPORT_PORT
	printf '%s\n' "$@"
}
# burst: twenty 1000-byte probes at once from one socket
burst() {
	exec 3<>/dev/udp/127.0.0.1/$REPORT_PORT
	for _ in $(seq 20); do printf '%1000s' x >&3; done
	exec 3<&-
}

cfg=$(report_conf '[udp]' 'echo = yes' | conf r)
start_daemon "$cfg"
check "the report service listens, TCP and UDP" \
	grep -q "listening on udp 127.0.0.1:$REPORT_PORT (report)" "$T/d.err"

# --- TCP: one line, then the server closes
m=$(mark "$T/d.err")
timeout 10 nc -d -p 40100 127.0.0.1 $REPORT_PORT >"$T/tcp.out"
check "nc: the server closes after its report (nc ends by itself, exit 0)" test $? -eq 0
check "one line" test "$(wc -l <"$T/tcp.out")" -eq 1
check "a JSON object, version 1, about this connection as the server saw it" \
	test "$(jq -c '[.version, .proto, .client, .client_port, .local, .local_port, .ttl,
		.ecn, .mss, .sack, .window > 0, .other_options]' "$T/tcp.out")" = \
	"[1,\"tcp\",\"127.0.0.1\",40100,\"127.0.0.1\",$REPORT_PORT,64,\"not-ect\",65495,true,true,[]]"
wait_after "$T/d.err" "$m" "report tcp peer=127\.0\.0\.1:40100 local=127\.0\.0\.1:$REPORT_PORT ttl=64 "
ok "the report connection is logged with its SYN's facts"
# the client's own words go unread, and still the close is clean
printf 'hello\n' | timeout 10 nc -N 127.0.0.1 $REPORT_PORT >"$T/tcp2.out"
check "a client that sends first still gets its report" \
	test "$(jq -r .proto "$T/tcp2.out")" = tcp

# --- UDP: a padded probe gets its report, from the address it was sent to
exec 3<>/dev/udp/127.0.0.1/$REPORT_PORT
printf '%1000s' x >&3
# (one read takes one datagram whole: dd, not read, which takes a byte)
reply=$(timeout 5 dd bs=4096 count=1 status=none <&3)
check "a 1000-byte probe: its report" \
	test "$(jq -c '[.proto, .size, .fragment_size, .local]' <<<"$reply")" = \
	'["udp",1000,null,"127.0.0.1"]'
check "... smaller than the probe" test "${#reply}" -lt 1000
exec 3<&-

# a datagram no larger than its report: held back, never answered
m=$(mark "$T/d.err")
printf 'x' | nc -u -w1 -p 40200 127.0.0.1 $REPORT_PORT >"$T/small.out"
wait_after "$T/d.err" "$m" 'udp report held back peer=127\.0\.0\.1:40200 reason=probe-too-small'
check "a 1-byte datagram: no report (it would amplify)" test ! -s "$T/small.out"
# a privileged source port (an echo or chargen service): held back
m=$(mark "$T/d.err")
printf '%1000s' x | nc -u -w1 -p 999 127.0.0.1 $REPORT_PORT >"$T/priv.out"
wait_after "$T/d.err" "$m" 'udp report held back peer=127\.0\.0\.1:999 reason=privileged-port'
check "from port 999: no report" test ! -s "$T/priv.out"
# from the daemon's own report socket (forged): held back
m=$(mark "$T/d.err")
"$STRESS" spoof -h 127.0.0.1 -p $REPORT_PORT -s 127.0.0.1:$REPORT_PORT \
	-m "$(printf '%1000s' self)" >"$T/spoof.out" 2>"$T/spoof.err"
spoofed=$?
[ $spoofed -eq 0 ] || [ $spoofed -eq 77 ] || fail "stress spoof failed"
if [ $spoofed -eq 0 ]; then
	wait_after "$T/d.err" "$m" \
		"udp report held back peer=127\.0\.0\.1:$REPORT_PORT reason=own-address"
	ok "a probe forged from the report's own socket: no report"
	# ... or from its own echo socket: no report aimed at our echo
	m=$(mark "$T/d.err")
	"$STRESS" spoof -h 127.0.0.1 -p $REPORT_PORT -s 127.0.0.1:$PORT \
		-m "$(printf '%1000s' loop)" >/dev/null
	wait_after "$T/d.err" "$m" "udp report held back peer=127\.0\.0\.1:$PORT reason=own-address"
	ok "a probe forged from our own echo socket: no report"
	# --- no loop: a probe forged from another daemon's echo service: the
	# report goes to the echo, whose echo of it is too small to be
	# answered; one round, then quiet
	printf '[server]\nhost = 127.0.0.2\nport = 7200\n[udp]\necho = yes\n[report]\nenabled = no\n' \
		>"$T/q.conf"
	: >"$T/q.err"
	"$NETECHOD" -f -c "$T/q.conf" >/dev/null 2>>"$T/q.err" &
	Q=$!
	BG_PIDS="$BG_PIDS $Q"
	wait_for "$T/q.err" 'netechod [0-9.]+ started'
	m=$(mark "$T/d.err")
	"$STRESS" spoof -h 127.0.0.1 -p $REPORT_PORT -s 127.0.0.2:7200 \
		-m "$(printf '%1000s' loop)" >/dev/null
	wait_after "$T/d.err" "$m" 'udp report held back peer=127\.0\.0\.2:7200 reason=probe-too-small'
	ok "a report aimed at another daemon's echo: the echo of it is too small: held back"
	wait_for "$T/q.err" 'udp datagram peer=127\.0\.0\.1:7100 '
	kill -USR1 "$Q"
	wait_for "$T/q.err" 'stats uptime='
	check "... the other daemon saw the one report and no more" \
		test "$(grep -o ' udp_datagrams=[0-9]*' "$T/q.err" | tail -n 1)" = ' udp_datagrams=1'
	kill -TERM "$Q"
	wait "$Q"
else
	skip_part "cannot open a raw socket here (no CAP_NET_RAW): no datagram forged, the" \
		"own-address and loop checks not run"
fi
# --- netecho --path -u aimed at the echo port: what comes back is the
# probe, not a report: exit 76, and one line saying so; the same for
# --pmtu alone, whose probes come back too
"$NETECHO" --path -u -w 2 127.0.0.1 $PORT >"$T/echo.out" 2>"$T/echo.err"
check "netecho --path -u at an echo port: exit 76" test $? -eq 76
check "... in one line, saying the reply is not a path report" \
	test "$(grep -c "127\.0\.0\.1:$PORT sent something that is not a path report" \
		"$T/echo.err")" -eq 1 -a "$(grep -vc 'listens on the echo port + 1 by default' \
		"$T/echo.err")" -eq 1
"$NETECHO" --path -u --pmtu -w 2 127.0.0.1 $PORT >"$T/echo.out" 2>"$T/echo.err"
rc=$?
check "netecho --path -u --pmtu at an echo port: exit 76, in one line" \
	test $rc -eq 76 -a "$(grep -vc 'listens on the echo port + 1 by default' "$T/echo.err")" -eq 1
stop_daemon

# --- the rates: per source, then in all
start_daemon "$(report_conf 'rate = 1' | conf rate)"
m=$(mark "$T/d.err")
burst
wait_after "$T/d.err" "$m" 'udp report held back peer=127\.0\.0\.1:[0-9]+ reason=rate-per-source'
ok "rate = 1: a burst of probes from one address is held back"
check "... and counted" test "$(stats_value reports_held)" -ge 1
stop_daemon
start_daemon "$(report_conf 'rate = 100' 'rate_total = 1' | conf total)"
m=$(mark "$T/d.err")
burst
wait_after "$T/d.err" "$m" 'udp report held back peer=127\.0\.0\.1:[0-9]+ reason=rate-total'
ok "rate_total = 1: a burst of probes is held back by the total"
stop_daemon

# --- show_local = no; applied by a reload
live=$T/live.conf
report_conf >"$live"
start_daemon "$live"
check "show_local (default yes): the local address is told" \
	test "$(timeout 10 nc -d 127.0.0.1 $REPORT_PORT | jq -c '[.local, .local_port]')" = \
	"[\"127.0.0.1\",$REPORT_PORT]"
report_conf 'show_local = no' >"$live"
reload
check "show_local = no after a reload: left out (a host behind NAT keeps its address)" \
	test "$(timeout 10 nc -d 127.0.0.1 $REPORT_PORT | jq -c '[.local, .local_port]')" = \
	'[null,null]'
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
