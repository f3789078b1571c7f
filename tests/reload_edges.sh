#!/bin/bash
# reload_edges: a reload at its edges (issue 16).
# - [log] path_facts turned on with new ports: the first connection to a
#   new listener, made while the reload binds it, has its SYN saved (never
#   syn=unreadable);
# - a reload from 1 port to 501 under a soft descriptor limit of 300
#   (hard 20,000) raises the limit before it binds, and applies;
# - 127.0.0.1 <-> * on 1,024 ports, each reload fired as soon as the one
#   before is applied: none is refused for an address our own retiring
#   sockets still hold;
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

# --- a reload that adds ports raises the descriptor limit before binding
many_conf() {
	printf '[report]\nport = 6900\n[server]\nhost = 127.0.0.1\nport = %s\n' "$1"
	printf '[tcp]\nmax_connections = 100\n[log]\nlevel = notice\n'
}
many_conf 7000 >"$live"
: >"$T/d.err"
prlimit --nofile=300:20000 "$NETECHOD" -f -c "$live" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
soft() { awk '/^Max open files/ { print $4 }' "/proc/$DPID/limits"; }
check "one port, max_connections 100: the soft limit stays 300" test "$(soft)" = 300
many_conf 7000-7500 >"$live"
m=$(mark "$T/d.err")
reload 'reloaded |reload refused'
check "a reload to 501 ports under a soft limit of 300 applies" \
	test "$(count_after "$T/d.err" "$m" 'reloaded ')" -eq 1
check "... the limit raised to 4148 (100 + 32 + 4 x 1004 sockets)" test "$(soft)" = 4148
check "... 501 TCP listeners" test "$(ss -Hltn | grep -c '127\.0\.0\.1:7[0-5][0-9][0-9] ')" -eq 501
check "... 7500 answers" cmp -s <(printf x | nc -N 127.0.0.1 7500) <(printf 'Receive: x')
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- reloads in quick succession while the sockets of the one before are
# being retired (1,024 listeners take a while to be told to drop SYNs)
flip_conf() {
	printf '[report]\nport = 6900\n[server]\nhost = %s\nport = 7000-8023\n' "$1"
	printf '[log]\nlevel = notice\n'
}
flip_conf 127.0.0.1 >"$live"
start_daemon "$live"
m=$(mark "$T/d.err")
for i in $(seq 12); do
	if [ $((i % 2)) -eq 1 ]; then flip_conf '*'; else flip_conf 127.0.0.1; fi >"$live"
	reload 'reloaded |reload refused' 60
done
cat "$T/d.err" | grep 'reload refused' | head -n 3
check "12 reloads 127.0.0.1 <-> * on 1,024 ports, one right after another: all applied" \
	test "$(count_after "$T/d.err" "$m" 'reloaded ')" -eq 12
check "... none refused" test "$(count_after "$T/d.err" "$m" 'reload refused')" -eq 0
check "... 8023 answers on 127.0.0.1" \
	cmp -s <(printf x | nc -N 127.0.0.1 8023) <(printf 'Receive: x')
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
