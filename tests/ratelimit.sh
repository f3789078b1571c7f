#!/bin/bash
# ratelimit: logging cannot be turned against the host. A flood of UDP
# datagrams from many addresses is logged at most rate_limit lines a second,
# the rest counted and summarised; a syslog daemon that stops reading never
# stalls the connections; untrusted bytes stay escaped.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
start_logsink "$T/syslog.log"

cfg=$( { base_conf; printf '[log]\nrate_limit = 100\n'; } | conf limited)
start_daemon "$cfg"
t0=$(date +%s)
"$STRESS" udpflood -p $PORT -n 20000 -c 50 >"$T/flood.out" 2>&1
check "20000 datagrams from 50 addresses were sent" grep -q '^sent=20000 sources=50$' "$T/flood.out"
# how many the daemon received (a slow build may drop some at the socket):
# until its count stops growing
n=-1
for _ in $(seq 100); do
	kill -USR1 "$DPID"
	sleep 0.2
	now=$(sed -n 's/.*stats .* udp_datagrams=\([0-9]*\).*/\1/p' "$T/d.err" | tail -n 1)
	[ "${now:-0}" -gt 0 ] && [ "$now" = "$n" ] && break
	n=${now:-0}
done
# the last second's summary comes at the next tick: poll for it
for _ in $(seq 100); do
	logged=$(count_lines "$T/syslog.log" 'udp datagram peer=')
	suppressed=$(sed -n 's/.*log: \([0-9]*\) lines suppressed.*/\1/p' "$T/syslog.log" | awk '{ s += $1 } END { print s + 0 }')
	[ $((logged + suppressed)) -ge "$n" ] && break
	sleep 0.05
done
secs=$(( $(date +%s) - t0 + 1 ))
echo "# $n datagrams received; $logged lines logged in about ${secs}s, $suppressed suppressed"
check "the daemon received a flood ($n datagrams)" test "$n" -ge 1000
check "at most rate_limit datagram lines a second reached syslog" test "$logged" -le $((100 * secs))
check "the excess was counted and summarised: logged + suppressed = received" \
	test $((logged + suppressed)) -eq "$n"
check "the summaries are at notice, once a second at most" \
	bash -c "test \$(grep -c 'lines suppressed' '$T/syslog.log') -le $secs"
stop_daemon

# a syslog daemon that stops reading: connections are not held up
: >"$T/syslog.log"
cfg=$( { base_conf; printf '[log]\nrate_limit = 0\n'; } | conf blocked)
start_daemon "$cfg"
logsink=${BG_PIDS##* }
kill -STOP "$logsink"
"$ECHOCHECK" -p $PORT -c 10 -n 2000 -P 'Receive: ' -t 60 >"$T/check.out" 2>&1
check "with syslog stalled, 20000 logged exchanges still went through" test $? -eq 0
check "the daemon is alive" kill -0 "$DPID"
kill -CONT "$logsink"
wait_for "$T/d.err" 'log: [0-9]+ lines dropped \(the log queue was full\)'
ok "the lines that could not be queued are counted and reported"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# a syslog daemon stalled for good cannot keep netechod from exiting
start_daemon "$cfg"
kill -STOP "$logsink"
"$ECHOCHECK" -p $PORT -c 10 -n 500 -P 'Receive: ' -t 60 >"$T/check2.out" 2>&1
t0=$(date +%s%N)
stop_daemon TERM
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM with syslog stalled: exit 0 after $ms ms" test "$DSTATUS" -eq 0 -a "$ms" -lt 10000
check "... saying what could not be written" grep -q 'warning: syslog is not reading; [0-9]* log lines not written' "$T/d.err"
kill -CONT "$logsink"
