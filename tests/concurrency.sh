#!/bin/bash
# concurrency: 100 connections at once, each exchanging 100 messages with
# every byte checked, while the daemon runs one thread per connection.
. "${top_srcdir:-.}/tests/lib.sh"

# every close line is counted below: no rate limit, and no payload lines
# to crowd them out of the log queue; no thread cache, so that threads
# are counted exactly (cache.sh tests the cache)
cfg=$( { base_conf; printf '[tcp]\nthread_cache = 0\n[log]\nrate_limit = 0\ndata = no\n'; } | conf \
	c)
start_daemon "$cfg"
base=$(threads "$DPID")

"$ECHOCHECK" -p $PORT -c 100 -n 100 -s 64 -P 'Receive: ' -H >"$T/check.out" 2>"$T/check.err" &
cpid=$!
BG_PIDS="$BG_PIDS $cpid"
wait_for "$T/check.out" '^holding 100$' 60
ok "100 connections each exchanged 100 messages, every byte as expected"

# all 100 are open and idle now: one thread each
check "one thread per connection: $base + 100 threads" wait_threads "$DPID" $((base + 100)) 5
kill -USR1 $cpid
wait $cpid
check "every connection still answers afterwards" test $? -eq 0
cat "$T/check.out"
check "10,000 messages and 100 more were checked" \
	grep -Eq '^conns=100 messages=100 bytes_sent=646400 bytes_checked=737300 errors=0$' \
		"$T/check.out"

# the threads end with their connections
check "the connection threads end with their connections" wait_threads "$DPID" "$base" 10
wait_count "$T/d.err" 'tcp close .* in=6464 out=7373 .*reason=eof' 100
ok "each close was logged"

stop_daemon
check "exit status 0" test "$DSTATUS" -eq 0
