#!/bin/bash
# lifecycle: SIGTERM with data in flight (every byte read is answered, then
# EOF), shutdown_timeout, the stats line, SIGHUP with a broken and a good
# configuration and a changed port while 50 clients keep exchanging data
# (reload.sh has the rest of reloading), signal storms, and dropping
# privileges (the pid file removed at exit all the same).
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress


# --- SIGTERM while 20 clients stream: nothing read is left unanswered
cfg=$(conf flight <<EOF
[server]
host = 127.0.0.1
port = $PORT
shutdown_timeout = 20
[tcp]
reply_prefix = ""
[log]
data = no
rate_limit = 0
EOF
)
start_daemon "$cfg"
"$STRESS" stream -p $PORT -c 20 -d 60 >"$T/stream.out" 2>&1 &
streamer=$!
BG_PIDS="$BG_PIDS $streamer"
wait_for "$T/stream.out" '^streaming$'
# until a few megabytes are in flight
for _ in $(seq 200); do
	[ "$(stats_value tcp_bytes_in)" -gt 4000000 ] 2>/dev/null && break
	sleep 0.05
done
stop_daemon TERM
check "SIGTERM with data in flight: exit 0" test "$DSTATUS" -eq 0
wait $streamer
sstatus=$?
cat "$T/stream.out"
check "every client saw its bytes come back unchanged, then a clean EOF (no reset)" \
	test $sstatus -eq 0
# sum_of FIELD: the sum of FIELD= over the lines of connections the stop ended
sum_of() {
	awk -v f=" $1=" '/tcp close .*reason=shutdown/ { sub(".*" f, ""); sub(/ .*/, ""); s += $0 }
		END { print s + 0 }' "$T/d.err"
}
read_in=$(sum_of in)
answered=$(sum_of out)
received=$(sed -n 's/.* received=\([0-9]*\) .*/\1/p' "$T/stream.out")
echo "# read by the daemon: $read_in bytes, answered: $answered, received by the clients: $received"
check "20 connections ended by the shutdown" \
	test "$(count_lines "$T/d.err" 'tcp close .*reason=shutdown')" -eq 20
check "the daemon answered every byte it read" test "$read_in" -eq "$answered"
check "the clients received every byte answered: 0 bytes lost" test "$received" -eq "$answered"
check "a stats line at exit" grep -q 'stats uptime=' "$T/d.err"

# --- a client that never closes: shutdown_timeout bounds the wait
cfg=$( { base_conf; printf 'shutdown_timeout = 1\n'; } | conf timeout)
start_daemon "$cfg"
"$ECHOCHECK" -p $PORT -c 3 -n 1 -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/hold.out" '^holding 3$'
t0=$(date +%s%N)
stop_daemon TERM
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "exit 0 although 3 clients never closed" test "$DSTATUS" -eq 0
check "after about shutdown_timeout ($ms ms)" test "$ms" -ge 900 -a "$ms" -lt 8000
check "the forced close is logged" grep -q 'tcp: closing 3 connections still open' "$T/d.err"
check "the 3 closes give the reason: shutdown" \
	test "$(count_lines "$T/d.err" 'tcp close .*reason=shutdown')" -eq 3

# a second SIGTERM does not wait for shutdown_timeout
cfg=$( { base_conf; printf 'shutdown_timeout = 60\n'; } | conf second)
start_daemon "$cfg"
"$ECHOCHECK" -p $PORT -c 2 -n 1 -P 'Receive: ' -H >"$T/hold2.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/hold2.out" '^holding 2$'
kill -TERM "$DPID"
wait_for "$T/d.err" 'waiting up to 60s for 2 connections to end'
t0=$(date +%s%N)
stop_daemon TERM
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "a second SIGTERM ends the wait ($ms ms, not 60 s)" test "$ms" -lt 10000 -a "$DSTATUS" -eq 0
check "... and says so" grep -q 'SIGTERM again: not waiting for connections any longer' "$T/d.err"

# --- the stats line
cfg=$( { base_conf; printf '[udp]\necho = no\n'; } | conf stats)
start_daemon "$cfg"
printf 'Hello' | nc -N 127.0.0.1 $PORT >/dev/null
"$NETECHO" -u -r -w 0.1 -m abc 127.0.0.1 $PORT
"$NETECHO" -u -r -w 0.1 -m def 127.0.0.1 $PORT
wait_for "$T/d.err" 'udp datagram .* data="def"'
signal_and_wait USR1 'stats uptime='
check "SIGUSR1: one stats line with every counter, in order" \
	grep -Eq 'stats uptime=[0-9]+ tcp_active=0 tcp_total=1 tcp_refused=0 tcp_denied=0 '\
'tcp_bytes_in=5 tcp_bytes_out=14 udp_datagrams=2 udp_bytes=6 udp_denied=0 udp_echo_held=0 '\
'reports=0 reports_held=0 proxy_errors=0 reloads=0 errors=0$' "$T/d.err"
stop_daemon
check "and one more at exit" test "$(count_lines "$T/d.err" 'stats uptime=')" -eq 2

# --- SIGHUP while 50 clients keep exchanging data
live=$T/live.conf
base_conf >"$live"
start_daemon "$live"
"$ECHOCHECK" -p $PORT -c 50 -s 64 -P 'Receive: ' -S -t 120 >"$T/fifty.out" 2>"$T/fifty.err" &
fifty=$!
BG_PIDS="$BG_PIDS $fifty"
wait_for "$T/fifty.out" '^running$' 60

# a broken file: every problem logged with FILE:LINE, the old settings stay
printf '%s\n' '[server]' 'host = 127.0.0.1' "port = $PORT" '[tcp]' 'reply_prefix = "New: "' \
	'max_connections = lots' '[bogus]' >"$live"
reload 'reload refused'
check "a broken file on SIGHUP: each problem logged as FILE:LINE" \
	grep -q "$live:6: max_connections: \"lots\" is not a number" "$T/d.err"
check "... the second one too" grep -q "$live:7: unknown section \"bogus\"" "$T/d.err"
check "... and the running configuration stays" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Receive: x')

# a good file: new connections get the new prefix and greeting
printf '%s\n' '[server]' 'host = 127.0.0.1' "port = $PORT" '[tcp]' 'reply_prefix = "New: "' \
	'greeting = "hi\n"' >"$live"
reload
check "after a good SIGHUP new connections see the new greeting and prefix" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'hi\nNew: x')

# a new port: rebound, open connections untouched
printf '[report]\nport = '$REPORT_PORT'\n[server]\nhost = 127.0.0.1\nport = 7001\n[tcp]\nreply_prefix = "Moved: "\n' >"$live"
reload
check "a changed port is rebound" cmp -s <(printf x | nc -N 127.0.0.1 7001) <(printf 'Moved: x')
check "... and said so" grep -q 'listening on tcp 127.0.0.1:7001' "$T/d.err"
check "UDP moved too" grep -q 'listening on udp 127.0.0.1:7001' "$T/d.err"
# the old listener is retired once what it queued is taken (at most
# TCP_DRAIN_S, 3 s)
for _ in $(seq 300); do [ -z "$(ss -Hltn "sport = :$PORT")" ] && break; sleep 0.05; done
check "the old port is closed" test -z "$(ss -Hltn "sport = :$PORT")"

# the same address by another name: nothing is rebound
printf '[report]\nport = '$REPORT_PORT'\n[server]\nhost = localhost\nport = 7001\n[tcp]\nreply_prefix = "Moved: "\n' >"$live"
if getent hosts localhost | grep -q '^127.0.0.1 '; then
	before=$(mark "$T/d.err")
	reload
	if [ "$(getent ahosts localhost | awk '{ print $1 }' | sort -u | wc -l)" -eq 1 ]; then
		check "127.0.0.1 -> localhost (the same address): no rebind" \
			test "$(count_after "$T/d.err" "$before" 'listening on tcp')" -eq 0
	fi
fi

# a port that cannot be bound: refused, nothing changes
nc -lk 127.0.0.1 7002 >/dev/null &
BG_PIDS="$BG_PIDS $!"
for _ in $(seq 100); do nc -z 127.0.0.1 7002 2>/dev/null && break; sleep 0.05; done
printf '[report]\nport = '$REPORT_PORT'\n[server]\nhost = 127.0.0.1\nport = 7002\n' >"$live"
reload 'reload refused: cannot bind tcp 127.0.0.1:7002: Address already in use'
check "an address in use: the reload is refused, 7001 still serves" \
	cmp -s <(printf x | nc -N 127.0.0.1 7001) <(printf 'Moved: x')

# 127.0.0.1:7001 -> 0.0.0.0:7001 overlaps on the same port: the old
# listener goes first (what it queued is answered), then the new is bound;
# clients connecting all the while are answered or refused, never dropped
printf '[report]\nport = '$REPORT_PORT'\n[server]\nhost = 0.0.0.0\nport = 7001\n[tcp]\nreply_prefix = "Any: "\n' >"$live"
# (a SYN the retiring listener drops is sent again after 1, 3 and 7 s: each
# client is given 15 s, a bound no loaded machine comes near)
( for i in $(seq 300); do
	out=$(printf "c$i" | timeout 15 nc -N 127.0.0.1 7001 2>/dev/null)
	echo "rc=$? out=$out"
done ) >"$T/swap.out" &
swapper=$!
sleep 0.1
reload
wait $swapper
check "127.0.0.1 -> 0.0.0.0 on the same port: rebound" \
	cmp -s <(printf x | nc -N 127.0.0.2 7001) <(printf 'Any: x')
answered=$(grep -c 'out=\(Receive\|Moved\|Any\): c' "$T/swap.out")
dropped=$(grep -c '^rc=0 out=$' "$T/swap.out")
echo "# during the handover: $answered of 300 answered, $dropped connected but unanswered"
grep -v 'out=\(Receive\|Moved\|Any\): c' "$T/swap.out" | sed 's/^/# not answered: /' | head -n 5
check "no client that connected was dropped during the handover" test "$dropped" -eq 0
check "... nor refused: all 300 answered" test "$answered" -eq 300

kill -USR1 $fifty
wait $fifty
fstatus=$?
cat "$T/fifty.out"
check "the 50 clients kept exchanging through the reloads, every byte right" test $fstatus -eq 0
check "... all 50 of them" grep -q '^conns=50 ' "$T/fifty.out"

# --- a client that does not read holds a shutdown no longer than send_timeout
printf '%s\n' '[server]' 'host = 127.0.0.1' "port = $PORT" 'shutdown_timeout = 20' '[tcp]' \
	'send_timeout = 1' '[log]' 'data = no' 'rate_limit = 0' >"$live"
reload
"$STRESS" push -p $PORT -b 8388608 -d 60 -H 60000 >"$T/push.out" 2>&1 &
pusher=$!
BG_PIDS="$BG_PIDS $pusher"
# it pushes 8 MB, then holds the connection without reading or closing:
# until the replies to it have stalled
last=-1
for _ in $(seq 200); do
	m=$(mark "$T/d.err")
	kill -USR1 "$DPID"
	wait_after "$T/d.err" "$m" 'stats uptime='
	line=$(tail -n +"$((m + 1))" "$T/d.err" | grep -m 1 'stats uptime=')
	out=$(echo "$line" | sed -n 's/.* tcp_bytes_out=\([0-9]*\).*/\1/p')
	case $line in *" tcp_active=1 "*) [ "$out" = "$last" ] && break ;; esac
	last=$out
	sleep 0.1
done
t0=$(date +%s%N)
stop_daemon TERM
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
check "SIGTERM with a client that never reads: exit 0 in $ms ms, not shutdown_timeout (20 s)" \
	test "$DSTATUS" -eq 0 -a "$ms" -lt 10000
check "... that client was closed for its send timeout" \
	grep -q 'tcp close .*reason=send-timeout' "$T/d.err"
grep 'tcp close .*reason=send-timeout' "$T/d.err"
start_daemon "$live"

# --- signal storms
printf '[server]\nhost = 127.0.0.1\nport = %s\n[log]\nlevel = notice\n' $PORT >"$live"
reload
"$ECHOCHECK" -p $PORT -c 10 -P 'Receive: ' -S -t 120 >"$T/storm.out" 2>&1 &
storm_client=$!
BG_PIDS="$BG_PIDS $storm_client"
wait_for "$T/storm.out" '^running$' 60
# standard signals do not queue: a storm of 1000 reaches the daemon as
# far fewer; what it saw, it tells (each SIGHUP is a reload, or says it
# came during one; each SIGUSR1 a stats line)
m=$(mark "$T/d.err")
for i in $(seq 500); do
	kill -HUP "$DPID"
	kill -USR1 "$DPID"
done 2>/dev/null
kill -USR1 $storm_client
wait $storm_client
cstatus=$?
check "1000 signals: the daemon lives" kill -0 "$DPID"
check "clients were served through the storm" test $cstatus -eq 0
check "and it still answers" cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Receive: x')
# every reload the storm started ends (each logs how it ended)
for _ in $(seq 200); do
	hups=$(count_after "$T/d.err" "$m" 'SIGHUP: reloading|SIGHUP came during the reload')
	done_reloads=$(count_after "$T/d.err" "$m" 'reloaded |reload refused')
	[ "$done_reloads" -ge "$hups" ] && break
	sleep 0.1
done
usr1=$(count_after "$T/d.err" "$m" 'stats uptime=')
reloads=$(stats_value reloads)
echo "# of 500 SIGHUP and 500 SIGUSR1: $hups reloads started, $done_reloads ended," \
	"$usr1 stats lines; reloads=$reloads"
check "the storm reached the daemon: at least one reload and one stats line" \
	test "$hups" -ge 1 -a "$usr1" -ge 1
check "every reload it started ended, applied" \
	test "$done_reloads" -eq "$hups" -a "$(count_after "$T/d.err" "$m" 'reload refused')" -eq 0
check "the stats line counts them all, and the one before the storm" \
	test "$reloads" -eq $((done_reloads + 1))
stop_daemon
check "exit 0 after the storm" test "$DSTATUS" -eq 0

# --- dropping privileges
cfg=$(base_conf | conf asroot)
if [ "$(id -u)" -eq 0 ]; then
	start_daemon "$cfg"
	check "started as root without [server] user: a warning" \
		grep -q 'warning: running as root: set \[server\] user to drop privileges' \
			"$T/d.err"
	stop_daemon
fi
printf '[server]\nport = %s\nuser = no-such-user-here\n' $PORT >"$T/nouser.conf"
"$NETECHOD" -t -c "$T/nouser.conf" 2>"$T/nouser.err"
check "an unknown user is a configuration error (78)" test $? -eq 78
check "... that names it" \
	grep -q "^$T/nouser.conf: \[server\] no such user 'no-such-user-here'" "$T/nouser.err"

use_test_user netecho-life 64002
cfg=$( { base_conf; printf 'user = netecho-life\n'; } | conf drop)
start_daemon "$cfg"
check "the daemon runs as the configured user" \
	grep -Eq '^Uid:[[:space:]]+64002[[:space:]]+64002[[:space:]]+64002[[:space:]]+64002$' \
		"/proc/$DPID/status"
check "... with its group" \
	grep -Eq '^Gid:[[:space:]]+64002[[:space:]]+64002[[:space:]]+64002[[:space:]]+64002$' \
		"/proc/$DPID/status"
check "... and no supplementary groups" grep -Eq '^Groups:[[:space:]]*$' "/proc/$DPID/status"
check "the drop is logged" \
	grep -q 'running as user netecho-life (uid 64002, gid 64002), no supplementary groups' \
		"$T/d.err"
check "it serves after binding as root and dropping" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Receive: x')
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- the pid file after dropping privileges: removed at exit. By default
# it lives in a directory netechod gives the user (the path --help names);
# one in a directory the user cannot write is emptied instead, as a
# warning says at start.
default=$("$NETECHOD" --help | sed -n 's/.*; \(\/[^ ]*\) with \[server\] user;$/\1/p')
[ -n "$default" ] || fail "--help names no default pid file for [server] user"
rundir=$(dirname "$(dirname "$default")")
# a private directory there, in this test's mount namespace: the first
# existing one above gets a tmpfs (the host's stays untouched), which may
# hide the build tree (a prefix inside it, as in make distcheck): the
# daemon runs from a copy
top=$rundir
while [ ! -d "$top" ]; do top=$(dirname "$top"); done
[ "$top" != / ] || skip "no directory to put a tmpfs on for $rundir"
case $T/ in "$top"/*) skip "$T is under $top, which would be hidden" ;; esac
cp "$NETECHOD" "$T/netechod.copy" || fail "copy netechod"
mount -t tmpfs -o mode=0755 tmpfs "$top" || skip "cannot mount a tmpfs on $top"
mkdir -p "$rundir"
"$T/netechod.copy" -c "$cfg" >"$T/dm.out" 2>"$T/dm.err"
check "detached with [server] user: the parent exits 0" test $? -eq 0
pid=$(cat "$default" 2>/dev/null)
check "the default pid file is $default" test -n "$pid" -a -e "/proc/${pid:-0}"
check "... in a directory the user owns" test "$(stat -c %u "$(dirname "$default")")" = 64002
kill -TERM "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
# whether the user can reach it depends on where the tree is: a prefix
# under a directory closed to others (/root) cannot be reached
if setpriv --reuid=64002 --regid=64002 --clear-groups test -x "$rundir"; then
	check "at exit the pid file is removed, after dropping privileges" test ! -e "$default"
else
	check "$rundir out of the user's reach: a warning that the pid file will be emptied" \
		grep -q "warning: pid file $default: user netecho-life cannot remove it at exit" \
			"$T/dm.err"
	check "... and at exit it is emptied: it names no process" \
		test -e "$default" -a ! -s "$default"
	skip_part "the default pid file removed at exit: user netecho-life cannot reach" \
		"$rundir (a directory above it is closed to others)"
fi
umount "$top" || fail "umount $top"

# the same in a directory the user owns wherever the tree is: one made
# under /tmp, which every user can reach
pdir=$(mktemp -d /tmp/netecho-lifecycle-pid.XXXXXX) || fail "mktemp under /tmp"
trap 'st=$?; rm -rf "$pdir"; (exit $st); cleanup' EXIT
chown 64002:64002 "$pdir" && chmod 755 "$pdir" || fail "chown $pdir"
"$NETECHOD" -c "$cfg" -P "$pdir/netechod.pid" >"$T/dm3.out" 2>"$T/dm3.err"
check "-P in a directory under /tmp the user owns: starts" test $? -eq 0
check "... with no warning about the pid file" bash -c "! grep -q 'pid file' '$T/dm3.err'"
pid=$(cat "$pdir/netechod.pid")
kill -TERM "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
check "... at exit the pid file is removed, after dropping privileges" \
	test ! -e "$pdir/netechod.pid"
rmdir "$pdir" || fail "rmdir $pdir"

chmod 755 "$T"
"$NETECHOD" -c "$cfg" -P "$T/root-owned.pid" >"$T/dm2.out" 2>"$T/dm2.err"
check "-P in a directory the user cannot write: starts" test $? -eq 0
check "... warning that the file will be emptied, not removed" \
	grep -q "warning: pid file $T/root-owned.pid: user netecho-life cannot remove it at exit" \
		"$T/dm2.err"
pid=$(cat "$T/root-owned.pid")
kill -TERM "$pid"
for _ in $(seq 100); do [ -e "/proc/$pid" ] || break; sleep 0.05; done
check "... and at exit it is emptied: it names no process" \
	test -e "$T/root-owned.pid" -a ! -s "$T/root-owned.pid"
