#!/bin/bash
# cache: the thread cache. A finished connection's thread waits for the
# next connection instead of ending, up to [tcp] thread_cache threads;
# connections one after another reuse one thread; the cache never holds
# more than asked, shrinks on reload, and empties at shutdown.
. "${top_srcdir:-.}/tests/lib.sh"

live=$T/live.conf
{ base_conf; printf '[tcp]\nthread_cache = 4\n[log]\nrate_limit = 0\n'; } >"$live"
start_daemon "$live"
base=$(threads "$DPID")

# 50 connections one after another are served by one or two threads (a
# client may come back before the thread that served it is in the cache)
for i in $(seq 50); do
	printf "n$i" | nc -N 127.0.0.1 $PORT >/dev/null
done
wait_count "$T/d.err" 'tcp close .*reason=eof' 50
ok "... and all 50 were served"
# the threads that served them are still there, waiting in the cache: one
# or two (without a cache there would be none)
n=$(threads "$DPID")
check "50 connections in turn used one or two threads, which wait in the cache ($((n - base)))" \
	test "$n" -ge $((base + 1)) -a "$n" -le $((base + 2))

# 20 at once: afterwards the cache keeps 4
"$ECHOCHECK" -p $PORT -c 20 -n 5 -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 20$'
check "20 connections at once: 20 threads (one reused, 19 new)" \
	wait_threads "$DPID" $((base + 20)) 5
kill -USR1 $holder
wait $holder
check "their bytes were right" test $? -eq 0
check "afterwards thread_cache (4) threads wait, the rest ended" \
	wait_threads "$DPID" $((base + 4)) 5

# the cached threads serve: 4 connections at once need no new thread
"$ECHOCHECK" -p $PORT -c 4 -n 5 -P 'Receive: ' -H >"$T/four.out" 2>&1 &
four=$!
BG_PIDS="$BG_PIDS $four"
wait_for "$T/four.out" '^holding 4$'
check "4 connections at once run on the 4 cached threads" \
	test "$(threads "$DPID")" -eq $((base + 4))
kill -USR1 $four
wait $four
check "and serve them right" test $? -eq 0

# a smaller cache on reload: the extra threads go
{ base_conf; printf '[tcp]\nthread_cache = 1\nreply_prefix = "New: "\n'; } >"$live"
reload
check "a reload to thread_cache = 1 lets 3 cached threads go" wait_threads "$DPID" $((base + 1)) 5
check "the cached thread left serves with the new settings" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'New: x')

# shutdown: the cached thread leaves too, cleanly
stop_daemon
check "exit 0 with a cached thread" test "$DSTATUS" -eq 0

# a reload that shrinks the cache, then SIGTERM at once: the threads told to
# leave are still waited for and joined (a sanitizer build would see them
# use the server after it was freed)
{ base_conf; printf '[tcp]\nthread_cache = 8\n'; } >"$live"
start_daemon "$live"
base=$(threads "$DPID")
"$ECHOCHECK" -p $PORT -c 8 -n 2 -P 'Receive: ' >/dev/null 2>&1
wait_threads "$DPID" $((base + 8)) 5 || fail "8 threads were not cached"
{ base_conf; printf '[tcp]\nthread_cache = 0\n'; } >"$live"
kill -HUP "$DPID"
kill -TERM "$DPID"
wait "$DPID"
DSTATUS=$?
DPID=
check "reload to no cache, then SIGTERM at once: exit 0" test "$DSTATUS" -eq 0
