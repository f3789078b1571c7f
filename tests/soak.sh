#!/bin/bash
# soak: a mixed load for SOAK_SECONDS (default 60): 16 clients connecting,
# exchanging 1-50 messages of 1-4096 bytes and disconnecting (half of them
# with a half-close), over and over, plus UDP round trips with echo on;
# every byte checked, nothing lost, no thread or descriptor left behind.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
secs=${SOAK_SECONDS:-60}
# a thread cache smaller than the clients, so both paths (a cached thread,
# a new one) are taken all the time, and the bound below is sharp
cfg=$( { base_conf; printf '%s\n' '[tcp]' 'thread_cache = 8' '[udp]' 'echo = yes' \
	'echo_rate = 1000000' 'echo_rate_total = 10000000'; } | conf soak)
start_daemon "$cfg"
base=$(threads "$DPID")
fds=$(ls "/proc/$DPID/fd" | wc -l)

"$STRESS" soak -p $PORT -d "$secs" -c 16 -P 'Receive: ' >"$T/soak.out" 2>"$T/soak.err"
status=$?
cat "$T/soak.out"
head -n 5 "$T/soak.err"
check "${secs}s of mixed TCP and UDP: every byte right, no datagram lost" test $status -eq 0
check "the daemon is alive" kill -0 "$DPID"
# the connections end: wait until the daemon says none is open
for _ in $(seq 100); do
	[ "$(stats_value tcp_active)" = 0 ] && break
	sleep 0.05
done
check "no connection left open" test "$(stats_value tcp_active)" = 0
# with no connection open, the only connection threads are the cached ones
check "no connection thread left but the 8 of the cache" wait_threads "$DPID" $((base + 8)) 10
check "no descriptor left open ($fds before and after)" \
	test "$(ls "/proc/$DPID/fd" | wc -l)" -eq "$fds"
check "no errors counted" test "$(stats_value errors)" = 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
