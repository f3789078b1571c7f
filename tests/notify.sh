#!/bin/bash
# notify: the service-manager protocol, against a fake service manager (a
# unix datagram socket given as NOTIFY_SOCKET): READY=1 only once the port
# answers, a STATUS= line kept current, RELOADING=1 with MONOTONIC_USEC=
# and READY=1 around a SIGHUP (applied or refused), WATCHDOG=1 at the asked
# interval, STOPPING=1 at SIGTERM.
. "${top_srcdir:-.}/tests/lib.sh"

NOTIFYSINK=$top_builddir/tests/notifysink
"$NOTIFYSINK" -p $PORT "$T/notify.sock" "$T/notify.log" &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do [ -S "$T/notify.sock" ] && break; sleep 0.05; done

live=$T/live.conf
base_conf >"$live"
# the watchdog asks for a sign of life every 400 ms
export NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000
start_daemon "$live"
unset NOTIFY_SOCKET WATCHDOG_USEC
wait_for "$T/notify.log" 'READY=1'
check "READY=1 is sent, and the port already answered when it came" grep -q ' READY=1 tcp=answers$' "$T/notify.log"
check "READY=1 came after every socket was bound and the threads started" \
	grep -q 'netechod [0-9.]* started' "$T/d.err"
check "exactly one READY=1 at start" test "$(count_lines "$T/notify.log" ' READY=1')" -eq 1
wait_for "$T/notify.log" 'STATUS=0 connections open, 0 served, 0 refused; 0 datagrams'
ok "a STATUS= line at start"

# with no traffic at all (no datagram, no connection but the sink's own
# check at READY=1), the serving threads still beat and WATCHDOG=1 goes on
wait_for "$T/notify.log" 'WATCHDOG=1'
quiet_from=$(awk '/ WATCHDOG=1/ { print $1; exit }' "$T/notify.log")
for _ in $(seq 100); do
	n=$(awk -v f="$quiet_from" '/ WATCHDOG=1/ && $1 >= f { n++ } END { print n + 0 }' "$T/notify.log")
	[ "$n" -ge 6 ] && break
	sleep 0.05
done
check "an idle daemon keeps sending WATCHDOG=1 ($n in a row with no traffic)" test "$n" -ge 6
check "... and never says a thread stopped" bash -c "! grep -q 'watchdog: the' '$T/d.err'"

printf 'x' | nc -N 127.0.0.1 $PORT >/dev/null
printf 'y' | nc -u -w0 127.0.0.1 $PORT
# (the sink's own check at READY=1 was the first connection)
wait_for "$T/notify.log" 'STATUS=0 connections open, 2 served, 0 refused; 1 datagrams'
ok "STATUS= follows what the daemon serves"

# watchdog: WATCHDOG=1 at least every 400 ms, over two seconds
wait_for "$T/notify.log" 'WATCHDOG=1'
start=$(awk '/ WATCHDOG=1/ { print $1; exit }' "$T/notify.log")
for _ in $(seq 200); do
	last=$(awk '/ WATCHDOG=1/ { t = $1 } END { print t + 0 }' "$T/notify.log")
	[ $((last - start)) -ge 2000 ] && break
	sleep 0.05
done
gaps=$(awk '/ WATCHDOG=1/ { if (p != "") { g = $1 - p; if (g > m) m = g; n++ } p = $1 } END { print n + 0, m + 0 }' "$T/notify.log")
echo "# watchdog pings after the first: ${gaps% *}, longest gap ${gaps#* } ms"
check "WATCHDOG=1 came again and again" test "${gaps% *}" -ge 5
check "never more than the asked 400 ms apart" test "${gaps#* }" -le 400

# SIGHUP with a good file, then with a broken one: RELOADING=1 then READY=1
uptime_us=$(awk '{ printf "%.0f", $1 * 1000000 }' /proc/uptime)
kill -HUP "$DPID"
wait_for "$T/d.err" "reloaded $live"
wait_for "$T/notify.log" 'RELOADING=1 MONOTONIC_USEC=[0-9]+'
check "after RELOADING=1, READY=1 again" \
	awk '/RELOADING=1/ { r = NR } / READY=1/ && r && NR > r { ok = 1 } END { exit !ok }' "$T/notify.log"
mono=$(sed -n 's/.*RELOADING=1 MONOTONIC_USEC=\([0-9]*\).*/\1/p' "$T/notify.log" | head -n 1)
check "MONOTONIC_USEC is the monotonic clock ($mono vs uptime $uptime_us)" \
	awk -v m="$mono" -v u="$uptime_us" 'BEGIN { d = m - u; if (d < 0) d = -d; exit !(d < 60000000) }'
printf '[server]\nport = oops\n' >"$live"
kill -HUP "$DPID"
wait_for "$T/d.err" 'reload refused'
for _ in $(seq 100); do [ "$(count_lines "$T/notify.log" ' READY=1')" -ge 3 ] && break; sleep 0.05; done
check "a refused reload also ends with READY=1" \
	test "$(count_lines "$T/notify.log" 'RELOADING=1')" -eq 2 -a "$(count_lines "$T/notify.log" ' READY=1')" -eq 3

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
