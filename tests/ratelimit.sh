#!/bin/bash
# ratelimit: logging cannot be turned against the host. A flood of UDP
# datagrams from many addresses is logged at most rate_limit lines a second,
# the rest counted and summarised; a syslog daemon that stops reading never
# stalls the connections, the start, stderr or the stop.
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
n=$(settled_stat udp_datagrams)
# the last second's summary comes at the next tick: poll for it
for _ in $(seq 100); do
	logged=$(count_lines "$T/syslog.log" 'udp datagram peer=')
	suppressed=$(sed -n 's/.*log: \([0-9]*\) lines suppressed.*/\1/p' "$T/syslog.log" | awk \
		'{ s += $1 } END { print s + 0 }')
	# lines the log writer could not hand to a busy syslog socket are
	# counted too (of any kind, so at least the datagram lines lost)
	lost=$(sed -n 's/.*log: \([0-9]*\) lines could not be written to syslog.*/\1/p' \
		"$T/syslog.log" | awk '{ s += $1 } END { print s + 0 }')
	[ $((logged + suppressed + lost)) -ge "$n" ] && break
	sleep 0.05
done
secs=$(( $(date +%s) - t0 + 1 ))
echo "# $n datagrams received; $logged lines logged in about ${secs}s, $suppressed suppressed," \
	"$lost lost to a busy syslog"
check "the daemon received a flood ($n datagrams)" test "$n" -ge 1000
check "at most rate_limit datagram lines a second reached syslog" test "$logged" -le $((100 * secs))
check "the excess was counted and summarised: logged + suppressed = received (+ lost to syslog)" \
	test $((logged + suppressed)) -le "$n" -a $((logged + suppressed + lost)) -ge "$n"
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

# a syslog daemon stalled for good: stderr keeps every line (the stats,
# the stop), and netechod exits at once, saying what syslog lost
start_daemon "$cfg"
kill -STOP "$logsink"
"$STRESS" dgramfill -h /dev/log >"$T/fill.out" || fail "cannot fill the syslog socket"
"$ECHOCHECK" -p $PORT -c 10 -n 500 -P 'Receive: ' -t 60 >"$T/check2.out" 2>&1
check "with syslog stalled and full, exchanges still went through" test $? -eq 0
signal_and_wait USR1 'stats uptime='
ok "... and stderr still gets the lines (the stats line on SIGUSR1)"
m=$(mark "$T/d.err")
timed stop_daemon TERM
check "SIGTERM with syslog stalled: exit 0 after $ELAPSED_MS ms (not waiting on syslog)" \
	test "$DSTATUS" -eq 0 -a "$ELAPSED_MS" -lt 10000
check "... 'stopping' and 'stopped' on stderr" \
	bash -c "tail -n +$((m + 1)) '$T/d.err' | grep -q 'SIGTERM: stopping' &&
		grep -q 'netechod stopped' '$T/d.err'"
check "... saying what syslog lost" \
	grep -q 'warning: [0-9]* log lines could not be written to syslog' "$T/d.err"

# a syslog daemon stalled before the start: the start does not wait on it,
# in the foreground and detaching (where the parent waits for the child)
start_daemon "$cfg"
check "started in the foreground with syslog stalled" kill -0 "$DPID"
stop_daemon
timeout 20 "$NETECHOD" -c "$cfg" -P "$T/stalled.pid" >"$T/detach.out" 2>"$T/detach.err"
dstatus=$?
check "detaching with syslog stalled: the parent exits 0, not a hang ($dstatus)" test $dstatus -eq 0
pid=$(cat "$T/stalled.pid" 2>/dev/null)
check "... and the daemon serves" cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Receive: x')
kill -TERM "$pid" 2>/dev/null
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
check "... and stops" test ! -e "/proc/$pid"
kill -CONT "$logsink"
