#!/bin/bash
# valgrind: the daemon under valgrind (memcheck, leaks, descriptors) through
# connections, UDP, a refused connection, an idle timeout, reloads good and
# bad with a port change, stats, and SIGTERM with a connection open: no
# error, no leak, no descriptor left open at exit.
. "${top_srcdir:-.}/tests/lib.sh"

[ -z "${SANITIZERS:-}" ] || skip "a sanitizer build: valgrind runs on the plain build"
command -v valgrind >/dev/null || skip "valgrind is not installed"

live=$T/live.conf
printf '%s\n' '[server]' 'host = 127.0.0.1' "port = $PORT" 'shutdown_timeout = 2' '[tcp]' \
	'max_connections = 20' 'idle_timeout = 2' '[udp]' 'echo = yes' >"$live"
: >"$T/d.err"
# not --quiet: then valgrind reports on descriptors only when one is left
valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --track-fds=yes --log-file="$T/vg.log" \
	"$NETECHOD" -f -c "$live" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started' 60

"$ECHOCHECK" -p $PORT -c 10 -n 20 -P 'Receive: ' -t 60 >"$T/check.out" 2>&1
check "10 connections, every byte right" test $? -eq 0
udp_ask $PORT u >"$T/udp.out"
check "UDP echo" cmp -s "$T/udp.out" <(printf 'u')
"$ECHOCHECK" -p $PORT -c 20 -n 1 -P 'Receive: ' -H -t 60 >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 20$' 60
check "a connection over max_connections is refused" \
	test -z "$(printf x | timeout 10 nc -N 127.0.0.1 $PORT)"
kill -USR1 $holder
wait $holder
# an idle connection
timeout 30 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat <&3 >/dev/null"
wait_for "$T/d.err" 'reason=idle-timeout' 30
printf '[server]\nport = nonsense\n' >"$live"
reload 'reload refused' 30
printf '[server]\nhost = 127.0.0.1\nport = 7001\nshutdown_timeout = 2\n' >"$live"
reload 'reloaded ' 30
check "after a reload to port 7001" cmp -s <(printf y | nc -N 127.0.0.1 7001) <(printf 'Receive: y')
# and back to 127.0.0.1 and * on the same port: sockets handed over
printf '[server]\nhost = *\nport = 7001\nshutdown_timeout = 2\n' >"$live"
reload 'reloaded ' 30
check "after a reload to * on the same port" \
	cmp -s <(printf z | nc -N 127.0.0.1 7001) <(printf 'Receive: z')
signal_and_wait USR1 'stats uptime=' 30
# SIGTERM with a client that never closes
"$ECHOCHECK" -p 7001 -c 2 -n 1 -P 'Receive: ' -H -t 60 >"$T/last.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/last.out" '^holding 2$' 60
stop_daemon TERM
check "exit 0 under valgrind (99 would be an error it found)" test "$DSTATUS" -eq 0
cat "$T/vg.log"
check "no memory error and no leak reported" \
	bash -c "! grep -Eq 'Invalid|uninitialised|Uninitialised|Conditional jump|definitely lost' \
		'$T/vg.log' && ! grep -Eq 'indirectly lost|Mismatched|overlap' '$T/vg.log'"
# every descriptor open at exit must be one the test harness passed in
opened=$(awk '/Open (file descriptor|AF_)/ { want = 1; next }
	want && /<inherited from parent>/ { want = 0; next }
	want && NF > 1 { n++; want = 0 } END { print n + 0 }' "$T/vg.log")
check "no descriptor the daemon opened is left open at exit ($opened)" test "$opened" -eq 0
check "valgrind did report on descriptors (the check above saw its output)" \
	grep -q 'FILE DESCRIPTORS: [0-9]* open' "$T/vg.log"
