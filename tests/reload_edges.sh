#!/bin/bash
# reload_edges: a reload at its edges (issue 16).
# - [log] path_facts turned on with new ports: the first connection to a
#   new listener, made while the reload binds it, has its SYN saved (never
#   syn=unreadable);
. "${top_srcdir:-.}/tests/lib.sh"

live=$T/live.conf

# --- path_facts on with new ports: a client connecting as soon as a new
# port listens (before the accept thread takes it) gets its SYN's facts
printf '[report]\nport = %s\n[server]\nhost = 127.0.0.1\nport = 7000\n[log]\npath_facts = no\n' \
	6900 >"$live"
start_daemon "$live"
printf '[report]\nport = %s\n[server]\nhost = 127.0.0.1\nport = 7000-7050\n[log]\npath_facts = yes\n' \
	6900 >"$live"
# tries until 7001 listens (each refused at once), then sends a byte
timeout 30 bash -c 'until { exec 3<>/dev/tcp/127.0.0.1/7001; } 2>/dev/null; do :; done
	printf x >&3; timeout 10 head -c 10 <&3' >"$T/first.out" &
first=$!
BG_PIDS="$BG_PIDS $first"
sleep 0.2
m=$(mark "$T/d.err")
reload
wait $first
check "a client connecting to a new port as it is bound is answered" \
	grep -q x "$T/first.out"
wait_after "$T/d.err" "$m" 'tcp open .*local=127\.0\.0\.1:7001 '
check "... and its open line has the SYN's facts, not syn=unreadable" \
	bash -c "tail -n +$((m + 1)) '$T/d.err' | grep 'tcp open .*local=127\.0\.0\.1:7001 ' |
		grep -vq 'syn=unreadable'"
check "... no connection logs syn=unreadable" \
	test "$(count_after "$T/d.err" "$m" 'syn=unreadable')" -eq 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
