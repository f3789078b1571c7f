#!/bin/bash
# faults: resource exhaustion and misbehaving clients are survived, never
# spun on. A client that never reads (send_timeout, bounded memory); near
# the descriptor limit, with no syslog to reach (every line would open a
# socket), clients are refused at once, every time, and served again once
# descriptors are back; thread creation failing (a low RLIMIT_NPROC);
# resets mid-transfer; SIGPIPE; a thread that cannot be started at start-up
# (each descriptor closed once); descriptors inherited from the parent.
. "${top_srcdir:-.}/tests/lib.sh"

# served_again WORD TIMEOUT: a new client is answered within 50 tries 0.1 s
# apart (each connection given TIMEOUT seconds), once the daemon recovers
served_again() {
	for _ in $(seq 50); do
		[ "$(printf %s "$1" | timeout "$2" nc -N 127.0.0.1 $PORT)" = "Receive: $1" ] &&
			return 0
		sleep 0.1
	done
	return 1
}

STRESS=$top_builddir/tests/stress

# --- a client that sends but never reads
cfg=$( { base_conf; printf '[tcp]\nsend_timeout = 1\nthread_cache = 0\n[log]\ndata = no\n'; } \
	| conf push)
start_daemon "$cfg"
base=$(threads "$DPID")
rss0=$(rss_kb "$DPID")
"$STRESS" push -p $PORT -b 104857600 -d 30 >"$T/push.out" 2>&1 &
pusher=$!
most=$(peak $pusher rss_kb "$DPID")
wait $pusher
cat "$T/push.out"
check "the daemon ended the connection of a client that never reads" \
	grep -Eq '^pushed=[0-9]+ ended=(reset|closed)$' "$T/push.out"
check "the client could not push its 100 MB" bash -c "! grep -q '^pushed=104857600 ' '$T/push.out'"
wait_for "$T/d.err" 'tcp close peer=.* reason=send-timeout'
ok "logged as a send timeout"
check "memory stayed bounded: RSS $rss0 KiB before, at most $most KiB during" \
	test $((most - rss0)) -lt 16384
check "the thread was released" wait_threads "$DPID" "$base" 5
stop_daemon

# --- near the descriptor limit, with /dev/log absent (this test's own
# /dev: each log line would try to open a socket to syslog)
use_private_devlog
cfg=$( { base_conf; printf '%s\n' '[tcp]' 'max_connections = 1000' 'thread_cache = 0' '[log]' \
	'data = no'; } | conf emfile)
: >"$T/d.err"
prlimit --nofile=48:48 "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
"$STRESS" probe -p $PORT -d 600 -i 20 -P 'Receive: ' >"$T/probe.out" 2>&1 &
probe=$!
BG_PIDS="$BG_PIDS $probe"
wait_for "$T/probe.out" '^ready$'
# 200 connections held: far more than the descriptors left
"$STRESS" flood -p $PORT -n 200 -c 200 -H 600000 >"$T/flood.out" 2>&1 &
flood=$!
BG_PIDS="$BG_PIDS $flood"
wait_for "$T/d.err" 'tcp refused peer=127\.0\.0\.1:[0-9]+ reason=out-of-descriptors$'
ok "clients beyond the descriptors are refused"
refused=0
for i in $(seq 10); do
	refused_at_once && refused=$((refused + 1))
done
check "10 clients in a row, 200 connections held: each refused at once ($refused of 10)" \
	test $refused -eq 10
check "nearing the descriptor limit is logged" \
	grep -q 'tcp accept: near the descriptor limit; refusing new connections until some close' \
		"$T/d.err"
# a spinning accept thread would take a whole CPU (200 ticks in 2 s)
t0=$(cpu_ticks "$DPID")
sleep 2
t1=$(cpu_ticks "$DPID")
check "no busy loop while out of descriptors: $((t1 - t0)) ticks of CPU in 2 s" \
	test $((t1 - t0)) -lt 100
kill $flood
wait $flood 2>/dev/null
kill -TERM $probe
wait $probe
pstatus=$?
cat "$T/probe.out"
check "the connection it had was answered throughout" test $pstatus -eq 0
m=$(mark "$T/d.err")
check "once descriptors return, new clients are served" served_again back 10
wait_after "$T/d.err" "$m" 'tcp accept: descriptors available again; accepting'
ok "and its end is logged"
n=$(count_lines "$T/d.err" 'near the descriptor limit')
refusals=$(count_lines "$T/d.err" 'reason=out-of-descriptors')
echo "# $n times near the limit, $refusals clients refused meanwhile (each line rate-limited)"
check "nearing the limit is said once per episode, never per client" test "$n" -lt "$refusals"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- resets and SIGPIPE
cfg=$( { base_conf; printf '[tcp]\nthread_cache = 0\n[log]\ndata = no\n'; } | conf reset)
start_daemon "$cfg"
base=$(threads "$DPID")
for i in 1 2 3 4 5; do
	"$STRESS" reset -p $PORT -b 4194304 >/dev/null 2>&1
done
# a client that pushes and closes without reading: the replies hit a
# closed socket (EPIPE, and SIGPIPE if it were not ignored)
for i in 1 2 3; do
	"$STRESS" push -p $PORT -b 2097152 -d 1 >/dev/null 2>&1
done
wait_for "$T/d.err" 'reason=(reset|peer-closed)'
ok "resets mid-transfer are logged as such"
check "the daemon survived resets and broken pipes" kill -0 "$DPID"
check "and serves the next client" \
	cmp -s <(printf ok | nc -N 127.0.0.1 $PORT) <(printf 'Receive: ok')
check "no connection thread is left behind" wait_threads "$DPID" "$base" 10
stop_daemon
check "exit 0 after resets" test "$DSTATUS" -eq 0

# the same with the default thread cache: its threads survive the resets
start_daemon "$(base_conf | conf resetcache)"
for i in 1 2 3; do
	"$STRESS" reset -p $PORT -b 4194304 >/dev/null 2>&1
	"$STRESS" push -p $PORT -b 2097152 -d 1 >/dev/null 2>&1
done
check "with the thread cache: serving after resets" \
	cmp -s <(printf ok | nc -N 127.0.0.1 $PORT) <(printf 'Receive: ok')
"$ECHOCHECK" -p $PORT -c 6 -n 20 -P 'Receive: ' >/dev/null 2>&1
check "... on cached threads, every byte right" test $? -eq 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- descriptors inherited from the parent are closed, but 0-2
exec 7>"$T/inherited"
start_daemon "$(base_conf | conf inherit)"
exec 7>&-
check "a descriptor the daemon inherited (7) is closed" \
	bash -c "! ls -l /proc/$DPID/fd | grep -q '$T/inherited'"
check "... while 0-2 stay" test -e "/proc/$DPID/fd/2"
stop_daemon

# --- a service thread that cannot be started: every descriptor closed
# once (strace fails the second thread creation, the accept thread's)
if command -v strace >/dev/null; then
	cfg=$(base_conf | conf clone)
	# LeakSanitizer cannot run under ptrace
	ASAN_OPTIONS="$ASAN_OPTIONS:detect_leaks=0" strace -f -o "$T/clone.trace" \
		-e trace=close,clone3 \
		-e inject=clone3:error=EAGAIN:when=2 "$NETECHOD" -f -c "$cfg" >"$T/clone.out" \
			2>"$T/clone.err"
	cstatus=$?
	check "a thread that cannot be created at start: exit 71 (EX_OSERR)" test $cstatus -eq 71
	# (which thread is the second depends on the build: a sanitizer's own
	# thread may come first)
	check "... saying which" \
		grep -Eq 'cannot start the (log|TCP accept|UDP receive) thread: Resource temp' \
			"$T/clone.err"
	check "strace did make thread creation fail" \
		grep -q 'clone3(.*= -1 EAGAIN .*(INJECTED)' "$T/clone.trace"
	check "no descriptor was closed twice" \
		bash -c "! grep -q 'close(.*= -1 EBADF' '$T/clone.trace'"
fi

# --- thread creation failing: RLIMIT_NPROC for the daemon's own user
use_test_user netecho-faults 64001
cfg=$( { base_conf; printf 'user = netecho-faults\n[tcp]\nthread_cache = 0\n'; } | conf nproc)
start_daemon "$cfg"
base=$(threads "$DPID")
# room for exactly two connection threads (set as the daemon's own user:
# lowering one's own limit needs no privilege)
setpriv --reuid=64001 --regid=64001 --clear-groups \
	prlimit --pid "$DPID" --nproc=$((base + 2)):$((base + 2)) \
		|| fail "cannot lower RLIMIT_NPROC"
"$ECHOCHECK" -p $PORT -c 2 -n 1 -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 2$'
m=$(mark "$T/d.err")
check "a third connection, with no thread for it, is closed at once" refused_at_once
wait_after "$T/d.err" "$m" \
	'tcp refused peer=.* reason=no-thread \(pthread_create: Resource temporarily unavailable\)'
ok "the failed thread creation is logged"
kill -USR1 $holder
wait $holder
check "the connections it had were served throughout" test $? -eq 0
wait_threads "$DPID" "$base" 5
check "once threads are free again, new clients are served" served_again again 5
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
