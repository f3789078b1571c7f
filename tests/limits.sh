#!/bin/bash
# limits: limits protect the service instead of switching it off.
# A flood of 5,000 connection attempts against max_connections = 100 while an
# already-connected client keeps being answered; never more connection
# threads than the limit; new clients served once the flood is over; the
# per-source cap; the idle timeout.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
cfg=$( { base_conf; printf '[tcp]\nmax_connections = 100\n'; } | conf flood)
start_daemon "$cfg"
base=$(threads "$DPID")

# the client already connected: a round trip every 10 ms
"$STRESS" probe -p $PORT -d 600 -i 10 -P 'Receive: ' >"$T/probe.out" 2>"$T/probe.err" &
probe=$!
BG_PIDS="$BG_PIDS $probe"
wait_for "$T/probe.out" '^ready$'
# 90 more clients connected and idle, so that the flood meets the limit
# however fast this build accepts
"$ECHOCHECK" -p $PORT -c 90 -n 1 -P 'Receive: ' -H -t 120 >"$T/held.out" 2>"$T/held.err" &
held=$!
BG_PIDS="$BG_PIDS $held"
wait_for "$T/held.out" '^holding 90$' 60

# the flood, 200 attempts at a time, each holding its connection 50 ms
"$STRESS" flood -p $PORT -n 5000 -c 200 -H 50 >"$T/flood.out" 2>"$T/flood.err" &
flood=$!
most=$(peak $flood threads "$DPID")
wait $flood
cat "$T/flood.out"
check "the flood ran its 5000 attempts" grep -q '^attempts=5000 ' "$T/flood.out"

kill -TERM $probe
wait $probe
pstatus=$?
kill -USR1 $held
wait $held
hstatus=$?
cat "$T/probe.out"
# (each of its round trips had 5 s; the slowest is printed above, a
# figure, not a test: a loaded machine may take a while)
check "the connected client was answered throughout the flood" test $pstatus -eq 0
check "the 90 held clients still answer after the flood" test $hstatus -eq 0
check "never more connection threads than the limit ($((most - base)) above the $base idle ones)" \
	test "$most" -le $((base + 100))

refused=$(stats_value tcp_refused)
check "connections over the limit were refused ($refused)" test "$refused" -gt 0
wait_for "$T/d.err" 'tcp refused peer=127.0.0.1:[0-9]* reason=max_connections \(100\)'
ok "refusals were logged with the reason"
check "new clients are served again once the flood is over" \
	cmp -s <(printf 'after' | nc -N 127.0.0.1 $PORT) <(printf 'Receive: after')
stop_daemon

# the per-source cap
cfg=$( { base_conf; printf '[tcp]\nmax_per_source = 2\n'; } | conf persource)
start_daemon "$cfg"
"$ECHOCHECK" -p $PORT -c 2 -n 1 -P 'Receive: ' -H >"$T/hold.out" 2>"$T/hold.err" &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 2$'
check "a third connection from 127.0.0.1 is closed at once" refused_at_once
wait_for "$T/d.err" 'tcp refused peer=127.0.0.1:[0-9]* reason=max_per_source \(2\)'
ok "and logged as over max_per_source"
check "another address is not held back" \
	cmp -s <(printf other | nc -N -s 127.0.0.2 127.0.0.1 $PORT) <(printf 'Receive: other')
kill -USR1 $holder
wait $holder
check "the two held connections still answered" test $? -eq 0
# the client is gone once it has seen its connections closed; the daemon
# gives their places back just after (a busy machine may show the gap):
# a new connection is served within a few seconds, each refused one closed
served_again() {
	for _ in $(seq 50); do
		cmp -s <(printf again | nc -N 127.0.0.1 $PORT) <(printf 'Receive: again') &&
			return 0
		sleep 0.1
	done
	return 1
}
check "once they left, 127.0.0.1 is served again" served_again
stop_daemon

# the idle timeout
cfg=$( { base_conf; printf '[tcp]\nidle_timeout = 1\n'; } | conf idle)
start_daemon "$cfg"
timed timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat <&3 >/dev/null"
check "an idle connection is closed by the daemon" test "$ELAPSED_STATUS" -eq 0
check "not before idle_timeout (after $ELAPSED_MS ms)" test "$ELAPSED_MS" -ge 900
wait_for "$T/d.err" 'tcp close peer=127.0.0.1:[0-9]* in=0 out=0 .* reason=idle-timeout'
ok "and logged with the reason"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
# a connection idle for less than idle_timeout is kept: 2 s of 10
cfg=$( { base_conf; printf '[tcp]\nidle_timeout = 10\n'; } | conf idle10)
start_daemon "$cfg"
"$ECHOCHECK" -p $PORT -c 1 -n 1 -P 'Receive: ' -H >"$T/talk.out" 2>&1 &
talker=$!
BG_PIDS="$BG_PIDS $talker"
wait_for "$T/talk.out" '^holding 1$'
sleep 2
kill -USR1 $talker
wait $talker
check "a connection idle for less than the timeout is kept" test $? -eq 0
stop_daemon
