#!/bin/bash
# notify: the service-manager protocol, against a fake service manager (a
# unix datagram socket given as NOTIFY_SOCKET): READY=1 only once the port
# answers, a STATUS= line kept current, RELOADING=1 with MONOTONIC_USEC=
# and READY=1 around a SIGHUP (applied or refused), WATCHDOG=1 at the
# asked interval, withheld while a serving thread is stuck, STOPPING=1 at
# SIGTERM.
. "${top_srcdir:-.}/tests/lib.sh"

NOTIFYSINK=$top_builddir/tests/notifysink
"$NOTIFYSINK" -p $PORT "$T/notify.sock" "$T/notify.log" &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done

live=$T/live.conf
base_conf >"$live"
# the watchdog asks for a sign of life every 2 s: netechod pings every 1 s
export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=2000000
start_daemon "$live"
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_for "$T/notify.log" ' READY=1'
check "READY=1 is sent, and the port already answered when it came" \
	grep -q ' READY=1 tcp=answers$' "$T/notify.log"
check "exactly one READY=1 at start" test "$(count_lines "$T/notify.log" ' READY=1')" -eq 1
# (the sink's own check at READY=1 may already be counted as served)
wait_for "$T/notify.log" 'STATUS=0 connections open, [01] served, 0 refused, 0 denied; 0 datagrams, 0 denied'
ok "a STATUS= line at start"
check "no MAINPID= in the foreground: the process the manager started is the daemon" \
	bash -c "! grep -q MAINPID= '$T/notify.log'"

# with no traffic at all, the serving threads still beat and WATCHDOG=1
# goes on: six in a row
m=$(mark "$T/notify.log")
for _ in $(seq 6); do
	wait_after "$T/notify.log" "$m" 'WATCHDOG=1' 20
	m=$(( $(grep -n 'WATCHDOG=1' "$T/notify.log" | tail -n 1 | cut -d: -f1) ))
done
ok "an idle daemon keeps sending WATCHDOG=1 (six in a row with no traffic)"
check "... and never says a thread stopped" bash -c "! grep -q 'watchdog: the' '$T/d.err'"

served=$(sed -n 's/.*STATUS=0 connections open, \([01]\) served.*/\1/p' "$T/notify.log" | tail -n 1)
printf 'x' | nc -N 127.0.0.1 $PORT >/dev/null
# one datagram, written by bash itself (nc -u -w0 may exit before it reads
# its input on a loaded machine, and send nothing)
printf 'y' >"/dev/udp/127.0.0.1/$PORT"
wait_for "$T/notify.log" "STATUS=0 connections open, $((served + 1)) served, 0 refused, 0 denied; 1 datagrams, 0 denied"
ok "STATUS= follows what the daemon serves"

# the interval: WATCHDOG=1 is never further apart than WATCHDOG_USEC
# (2 s), which is what the service manager holds the daemon to; netechod
# pings every second, so even a loaded machine keeps this
gaps=$(awk '/ WATCHDOG=1/ { if (p != "") { g = $1 - p; if (g > m) m = g; n++ } p = $1 }
	END { print n + 0, m + 0 }' "$T/notify.log")
echo "# watchdog pings after the first: ${gaps% *}, longest gap ${gaps#* } ms"
check "WATCHDOG=1 never more than the asked 2000 ms apart" test "${gaps#* }" -lt 2000

# a serving thread that stops going round its loop: WATCHDOG=1 is
# withheld and the daemon says why. strace holds the UDP receive thread
# (that thread only) in its next epoll_wait for 12 seconds.
if command -v strace >/dev/null; then
	udp_tid=$(grep -l '^udp-receive$' /proc/"$DPID"/task/*/comm | head -n 1 | cut -d/ -f5)
	m=$(mark "$T/notify.log")
	md=$(mark "$T/d.err")
	strace -p "$udp_tid" -e trace=epoll_wait -e inject=epoll_wait:delay_enter=12000000:when=1 \
		-o /dev/null &
	tracer=$!
	wait_after "$T/d.err" "$md" 'watchdog: the UDP receive thread has stopped going round' 20
	ok "a stuck UDP thread is noticed and logged"
	stuck_at=$(mark "$T/notify.log")
	# while it is stuck: no WATCHDOG=1 for 3 s, though one is due every 1 s
	sleep 3
	check "no WATCHDOG=1 while it is stuck" \
		test "$(count_after "$T/notify.log" "$stuck_at" 'WATCHDOG=1')" -eq 0
	kill "$tracer" 2>/dev/null
	wait "$tracer" 2>/dev/null
	wait_after "$T/notify.log" "$stuck_at" 'WATCHDOG=1' 20
	ok "WATCHDOG=1 again once the thread goes round again"
else
	skip_part "strace is not installed: the stuck-thread check not run"
fi

# SIGHUP with a good file, then with a broken one: RELOADING=1 then READY=1
uptime_us=$(awk '{ printf "%.0f", $1 * 1000000 }' /proc/uptime)
m=$(mark "$T/notify.log")
reload
wait_after "$T/notify.log" "$m" ' READY=1'
check "RELOADING=1 with MONOTONIC_USEC, then READY=1 again" \
	awk -v from="$m" \
		'NR > from && /RELOADING=1 MONOTONIC_USEC=[0-9]+/ { r = NR }
		 NR > from && / READY=1/ && r && NR > r { ok = 1 } END { exit !ok }' "$T/notify.log"
mono=$(tail -n +"$((m + 1))" "$T/notify.log" | sed -n \
	's/.*RELOADING=1 MONOTONIC_USEC=\([0-9]*\).*/\1/p' | head -n 1)
check "MONOTONIC_USEC is the monotonic clock ($mono vs uptime $uptime_us)" \
	awk -v m="$mono" -v u="$uptime_us" \
		'BEGIN { d = m - u; if (d < 0) d = -d; exit !(d < 60000000) }'
printf '[server]\nport = oops\n' >"$live"
m=$(mark "$T/notify.log")
reload 'reload refused'
wait_after "$T/notify.log" "$m" ' READY=1'
check "a refused reload also ends with READY=1, after its RELOADING=1" \
	awk -v from="$m" \
		'NR > from && /RELOADING=1/ { r = NR }
		 NR > from && / READY=1/ && r && NR > r { ok = 1 } END { exit !ok }' "$T/notify.log"

stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
check "STOPPING=1 at SIGTERM" grep -q ' STOPPING=1$' "$T/notify.log"
check "STOPPING=1 came last but for STATUS lines" \
	bash -c "grep -v STATUS= '$T/notify.log' | tail -n 1 | grep -q STOPPING=1"

# an abstract NOTIFY_SOCKET, and without WATCHDOG_USEC no watchdog
"$NOTIFYSINK" "@netecho-test-$$" "$T/abstract.log" &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do grep -q "@netecho-test-$$\$" /proc/net/unix && break; sleep 0.05; done
export NOTIFY_SOCKET=@netecho-test-$$
start_daemon "$(base_conf | conf abstract)"
unset NOTIFY_SOCKET
wait_for "$T/abstract.log" ' READY=1$'
ok "an abstract-namespace NOTIFY_SOCKET works"
stop_daemon
check "no WATCHDOG=1 unless asked for" bash -c "! grep -q WATCHDOG=1 '$T/abstract.log'"

# a malformed NOTIFY_SOCKET is reported, and the daemon serves anyway
export NOTIFY_SOCKET=relative/path
start_daemon "$(base_conf | conf badsock)"
unset NOTIFY_SOCKET
check "a malformed NOTIFY_SOCKET is a warning, not a failure" \
	grep -q 'warning: NOTIFY_SOCKET=relative/path is not a socket path' "$T/d.err"
stop_daemon
