#!/bin/bash
# faults: resource exhaustion and misbehaving clients are survived, never
# spun on. A client that never reads (send_timeout, bounded memory); out of
# descriptors (EMFILE under a low RLIMIT_NOFILE); thread creation failing
# (a low RLIMIT_NPROC); resets mid-transfer; SIGPIPE.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress

# --- a client that sends but never reads
cfg=$( { base_conf; printf '[tcp]\nsend_timeout = 1\nthread_cache = 0\n[log]\ndata = no\n'; } | conf push)
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
check "logged as a send timeout" grep -q 'tcp close peer=.* reason=send-timeout' "$T/d.err"
check "memory stayed bounded: RSS $rss0 KiB before, at most $most KiB during" \
	test $((most - rss0)) -lt 16384
check "the thread was released" wait_threads "$DPID" "$base" 5
stop_daemon

# --- out of descriptors: accept() fails with EMFILE
cfg=$(base_conf | conf emfile)
prlimit --nofile=24:24 "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
"$STRESS" probe -p $PORT -d 600 -i 20 -P 'Receive: ' >"$T/probe.out" 2>&1 &
probe=$!
BG_PIDS="$BG_PIDS $probe"
wait_for "$T/probe.out" '^ready$'
# 60 connections held for 3 s: far more than the descriptors left
"$STRESS" flood -p $PORT -n 60 -c 60 -H 3000 >"$T/flood.out" 2>&1 &
flood=$!
BG_PIDS="$BG_PIDS $flood"
wait_for "$T/d.err" 'tcp accept: Too many open files; refusing new connections until some close'
ok "accept() failing with EMFILE is logged"
wait_for "$T/d.err" 'tcp refused peer=127\.0\.0\.1:[0-9]+ reason=out-of-descriptors$'
ok "clients that cannot get a descriptor are refused at once, not left waiting"
t0=$(cpu_ticks "$DPID")
sleep 1
t1=$(cpu_ticks "$DPID")
check "no busy loop while out of descriptors: $((t1 - t0)) ticks of CPU in 1 s" test $((t1 - t0)) -lt 30
wait $flood
kill -TERM $probe
wait $probe
pstatus=$?
cat "$T/probe.out"
check "the connection it had was answered throughout" test $pstatus -eq 0
check "once descriptors return, new clients are served" \
	cmp -s <(printf back | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'Receive: back')
# one line when descriptors run out, one when they come back: per
# episode (there may be several as connections come and go), never per
# refused client
n=$(count_lines "$T/d.err" 'Too many open files')
back=$(count_lines "$T/d.err" 'descriptors available again')
refused=$(count_lines "$T/d.err" 'reason=out-of-descriptors')
echo "# $n times out of descriptors, $back times back, $refused clients refused meanwhile"
check "running out of descriptors is said once per episode, and its end once" \
	test "$n" -ge 1 -a "$n" -le $((back + 1)) -a "$n" -ge "$back"
check "and its end too" grep -q 'tcp accept: descriptors available again; accepting' "$T/d.err"
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
check "and serves the next client" cmp -s <(printf ok | nc -N 127.0.0.1 $PORT) <(printf 'Receive: ok')
check "no connection thread is left behind" wait_threads "$DPID" "$base" 10
stop_daemon
check "exit 0 after resets" test "$DSTATUS" -eq 0

# the same with the default thread cache: its threads survive the resets
start_daemon "$(base_conf | conf resetcache)"
for i in 1 2 3; do
	"$STRESS" reset -p $PORT -b 4194304 >/dev/null 2>&1
	"$STRESS" push -p $PORT -b 2097152 -d 1 >/dev/null 2>&1
done
check "with the thread cache: serving after resets" cmp -s <(printf ok | nc -N 127.0.0.1 $PORT) <(printf 'Receive: ok')
"$ECHOCHECK" -p $PORT -c 6 -n 20 -P 'Receive: ' >/dev/null 2>&1
check "... on cached threads, every byte right" test $? -eq 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- thread creation failing: RLIMIT_NPROC for the daemon's own user
use_test_user netecho-faults 64001
cfg=$( { base_conf; printf 'user = netecho-faults\n[tcp]\nthread_cache = 0\n'; } | conf nproc)
start_daemon "$cfg"
base=$(threads "$DPID")
# room for exactly two connection threads (set as the daemon's own user:
# lowering one's own limit needs no privilege)
setpriv --reuid=64001 --regid=64001 --clear-groups \
	prlimit --pid "$DPID" --nproc=$((base + 2)):$((base + 2)) || fail "cannot lower RLIMIT_NPROC"
"$ECHOCHECK" -p $PORT -c 2 -n 1 -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 2$'
check "a third connection, with no thread for it, is closed at once" \
	test -z "$(printf x | timeout 5 nc -N 127.0.0.1 $PORT)"
wait_for "$T/d.err" 'tcp refused peer=.* reason=no-thread \(pthread_create: Resource temporarily unavailable\)'
ok "the failed thread creation is logged"
kill -USR1 $holder
wait $holder
check "the connections it had were served throughout" test $? -eq 0
wait_threads "$DPID" "$base" 5
ok=no
for _ in $(seq 50); do
	if [ "$(printf again | timeout 5 nc -N 127.0.0.1 $PORT)" = "Receive: again" ]; then ok=yes; break; fi
	sleep 0.1
done
check "once threads are free again, new clients are served" test $ok = yes
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
