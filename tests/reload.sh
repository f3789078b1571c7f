#!/bin/bash
# reload: SIGHUP applies a file whole or not at all, never leaves a moment
# with no listener, and never stalls the daemon.
# - a new address that cannot be bound: refused, nothing changed, no
#   "listening on" for sockets that were never used;
# - the address changed on the same port (127.0.0.1 <-> *) 200 times while
#   50 clients exchange data and another connects over and over: every
#   connection answered, none refused or reset, every byte checked;
# - a host that did not change is not resolved again; one that did, with
#   a name server that never answers, is refused after the resolver's
#   bound while signals, stats and the stop go on;
# - a configuration file that is a FIFO: refused at start, with -t and at
#   reload, at once;
# - a larger max_connections raises the descriptor limit, or says why not;
# - new connections get a new idle_timeout, open ones keep theirs.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
live=$T/live.conf

# --- a new address that cannot be bound: nothing changes
printf '[server]\nhost = 127.0.0.1\nport = %s\n[tcp]\nreply_prefix = "A: "\n' $PORT >"$live"
start_daemon "$live"
"$STRESS" bind -h :: -p $PORT >"$T/bind.out" 2>&1 &
binder=$!
BG_PIDS="$BG_PIDS $binder"
wait_for "$T/bind.out" '^bound$'
printf '[server]\nhost = *\nport = %s\n[tcp]\nreply_prefix = "B: "\n' $PORT >"$live"
m=$(mark "$T/d.err")
reload 'reload refused'
check "an address in use: the reload is refused, naming it" \
	grep -q "reload refused: cannot bind tcp \[::\]:$PORT: Address already in use" "$T/d.err"
check "... and nothing is said to listen that does not" \
	test "$(count_after "$T/d.err" "$m" 'listening on')" -eq 0
check "... TCP answers with the old prefix" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'A: x')
check "... TCP listens on 127.0.0.1 alone (the other program aside)" \
	test "$(ss -Hltn "sport = :$PORT" | awk '{ print $4 }' | sort | tr '\n' ' ')" = \
		"127.0.0.1:$PORT [::]:$PORT "
check "... UDP did not move either" \
	test "$(ss -Hlun "sport = :$PORT" | awk '{ print $4 }')" = "127.0.0.1:$PORT"
check "... and the reload did not say it was applied" \
	test "$(count_after "$T/d.err" "$m" 'reloaded ')" -eq 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
kill $binder

# --- the address changes on the same port, 200 times, under load
printf '[server]\nhost = 127.0.0.1\nport = %s\n[log]\nlevel = notice\n' $PORT >"$live"
start_daemon "$live"
"$ECHOCHECK" -p $PORT -c 50 -s 64 -P 'Receive: ' -S -t 600 >"$T/fifty.out" 2>"$T/fifty.err" &
fifty=$!
BG_PIDS="$BG_PIDS $fifty"
wait_for "$T/fifty.out" '^running$' 60
"$STRESS" connect -p $PORT -P 'Receive: ' -d 600 >"$T/connect.out" 2>"$T/connect.err" &
connector=$!
BG_PIDS="$BG_PIDS $connector"
wait_for "$T/connect.out" '^ready$' 30
for i in $(seq 200); do
	if [ $((i % 2)) -eq 1 ]; then host='*'; else host=127.0.0.1; fi
	printf '[server]\nhost = %s\nport = %s\n[log]\nlevel = notice\n' "$host" $PORT >"$live"
	reload
done
ok "200 reloads alternating 127.0.0.1 and * were applied"
kill -TERM $connector
wait $connector
cstatus=$?
kill -USR1 $fifty
wait $fifty
fstatus=$?
cat "$T/connect.out" "$T/fifty.out"
head -n 5 "$T/connect.err" "$T/fifty.err"
check "connections made one after another all the while: every one answered" test $cstatus -eq 0
check "... none refused, reset, timed out or wrong" \
	grep -Eq '^answered=[1-9][0-9]* refused=0 reset=0 timed_out=0 wrong=0$' "$T/connect.out"
check "the 50 clients exchanged all the while, every byte right" test $fstatus -eq 0
check "... all 50 of them" grep -q '^conns=50 ' "$T/fifty.out"
check "no reload was refused" bash -c "! grep -q 'reload refused' '$T/d.err'"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- resolving: a host that did not change is not resolved again, and a
# name server that never answers holds up nothing
"$STRESS" blackhole -h 127.0.0.53 -p 53 >"$T/dns.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/dns.out" '^bound$'
# in this test's mount namespace: names from files, then from that server
# (which the resolver would wait on for 30 s)
printf 'hosts: files dns\n' >"$T/nsswitch.conf"
printf 'nameserver 127.0.0.53\noptions timeout:30 attempts:1\n' >"$T/resolv.conf"
printf '127.0.0.1 localhost\n127.0.0.1 netecho-host.test\n' >"$T/hosts"
mount --bind "$T/nsswitch.conf" /etc/nsswitch.conf &&
	mount --bind "$T/resolv.conf" /etc/resolv.conf &&
	mount --bind "$T/hosts" /etc/hosts || skip "cannot bind the resolver's files"
printf '[server]\nhost = netecho-host.test\nport = %s\n' $PORT >"$live"
start_daemon "$live"
# the name is gone from the files now: resolving it again would ask the
# name server, which never answers
printf '127.0.0.1 localhost\n' >"$T/hosts"
queries=$(mark "$T/dns.out")
printf '[server]\nhost = netecho-host.test\nport = %s\n[tcp]\nreply_prefix = "Same host: "\n' \
	$PORT >"$live"
reload
check "a reload with the host unchanged asks no name server" \
	test "$(count_after "$T/dns.out" "$queries" '^query')" -eq 0
check "... and applies the rest" cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Same host: x')

printf '[server]\nhost = netecho-never.test\nport = %s\n' $PORT >"$live"
m=$(mark "$T/d.err")
kill -HUP "$DPID"
wait_after "$T/dns.out" "$queries" '^query' 20
ok "a changed host is looked up (the name server was asked)"
# main is not held up: a stats line comes at once (the resolver would
# wait 30 s)
signal_and_wait USR1 'stats uptime=' 10
ok "while the name server does not answer, SIGUSR1 is answered"
check "... and the port still answers" \
	cmp -s <(printf x | nc -N 127.0.0.1 $PORT) <(printf 'Same host: x')
wait_after "$T/d.err" "$m" \
	'refused: cannot resolve netecho-never.test: no answer from a name server within 5 s' \
	20
ok "the reload is refused once the resolver's bound (5 s) has passed"
check "... the old address still serves" \
	cmp -s <(printf y | nc -N 127.0.0.1 $PORT) <(printf 'Same host: y')
# the same again, and SIGTERM while the name server keeps silent
queries=$(mark "$T/dns.out")
kill -HUP "$DPID"
wait_after "$T/dns.out" "$queries" '^query' 20
kill -TERM "$DPID"
for _ in $(seq 100); do kill -0 "$DPID" 2>/dev/null || break; sleep 0.05; done
check "SIGTERM during a reload that waits on a name server: the daemon stops at once" \
	bash -c "! kill -0 $DPID 2>/dev/null"
wait "$DPID"
DSTATUS=$?
DPID=
check "... with exit 0" test "$DSTATUS" -eq 0

# a reload whose TCP listener is bound (127.0.0.1, more specific than the
# wildcard serving now) while the job still waits on the name server for
# [udp]'s host: a client of 127.0.0.1 meanwhile is served at once by the
# listener in force, not left on the new one that nobody serves until a
# commit (which never comes: the reload is refused at 5 s)
printf '[server]\nhost = *\nport = %s\n[tcp]\nreply_prefix = "Old: "\n' $PORT >"$live"
start_daemon "$live"
printf '[server]\nhost = 127.0.0.1\nport = %s\n[udp]\nhost = netecho-never.test\n' \
	$PORT >"$live"
queries=$(mark "$T/dns.out")
m=$(mark "$T/d.err")
kill -HUP "$DPID"
wait_after "$T/dns.out" "$queries" '^query' 20
ok "a reload binds tcp 127.0.0.1, then asks a name server for [udp]'s host"
check "... a client of 127.0.0.1 meanwhile is answered by the listener in force" \
	cmp -s <(printf w | timeout 4 nc -N 127.0.0.1 $PORT) <(printf 'Old: w')
wait_after "$T/d.err" "$m" 'refused: cannot resolve netecho-never.test' 20
ok "... and the reload is refused when the resolver gives up"
check "... after which the old listener still serves" \
	cmp -s <(printf v | timeout 4 nc -N 127.0.0.1 $PORT) <(printf 'Old: v')
stop_daemon
check "... exit 0" test "$DSTATUS" -eq 0
umount /etc/hosts /etc/resolv.conf /etc/nsswitch.conf

# --- a FIFO is not a configuration file
mkfifo "$T/fifo.conf"
timeout 10 "$NETECHOD" -t -c "$T/fifo.conf" 2>"$T/fifo.err"
check "-t on a FIFO: 78 at once, not a wait for a writer" test $? -eq 78
check "... saying what it is" grep -qx "$T/fifo.conf: not a regular file (a FIFO)" "$T/fifo.err"
timeout 10 "$NETECHOD" -f -c "$T/fifo.conf" 2>"$T/fifo2.err"
check "starting on a FIFO: 78" test $? -eq 78
base_conf >"$live"
start_daemon "$live"
rm "$live"
mkfifo "$live"
reload 'reload refused'
check "a FIFO at reload: refused, saying so" grep -q "$live: not a regular file (a FIFO)" "$T/d.err"
signal_and_wait USR1 'stats uptime='
ok "... and the daemon goes on"
stop_daemon
check "... and stops: exit 0" test "$DSTATUS" -eq 0
rm -f "$live"

# --- a larger max_connections raises the descriptor limit
base_conf >"$live"
: >"$T/d.err"
prlimit --nofile=100:3000 "$NETECHOD" -f -c "$live" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" 'netechod [0-9.]+ started'
soft() { awk '/^Max open files/ { print $4 }' "/proc/$DPID/limits"; }
# (max_connections, 32 spare, and 4 for each port: TCP, UDP and the report's two)
check "max_connections 1024 on a soft limit of 100: raised to 1072 at start" test "$(soft)" = 1072
{ base_conf; printf '[tcp]\nmax_connections = 2000\n'; } >"$live"
reload
check "a reload to max_connections 2000 raises it to 2048" test "$(soft)" = 2048
{ base_conf; printf '[tcp]\nmax_connections = 5000\n'; } >"$live"
m=$(mark "$T/d.err")
reload
check "max_connections 5000 over the hard limit (3000): raised to 3000" test "$(soft)" = 3000
check "... with a warning saying what to do" \
	test "$(count_after "$T/d.err" "$m" 'max_connections 5000 and the ports need 5048 descriptors, but the limit is 3000: clients')" -eq 1
stop_daemon

# --- new connections get a new idle_timeout; open ones keep theirs
{ base_conf; printf '[tcp]\nidle_timeout = 300\n'; } >"$live"
start_daemon "$live"
"$ECHOCHECK" -p $PORT -c 1 -n 1 -P 'Receive: ' -H >"$T/old.out" 2>&1 &
old=$!
BG_PIDS="$BG_PIDS $old"
wait_for "$T/old.out" '^holding 1$'
{ base_conf; printf '[tcp]\nidle_timeout = 1\n'; } >"$live"
reload
m=$(mark "$T/d.err")
for i in 1 2 3 4 5; do
	timeout 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; cat <&3 >/dev/null" &
done
wait_after "$T/d.err" "$m" 'reason=idle-timeout' 20
until_count_after "$T/d.err" "$m" 'reason=idle-timeout' 5
check "5 connections made after the reload are closed after the new idle_timeout (1 s)" \
	test "$(count_after "$T/d.err" "$m" 'reason=idle-timeout')" -eq 5
kill -USR1 $old
wait $old
check "the connection made before it kept its 300 s, and answers" test $? -eq 0
stop_daemon

# --- port lists: a reload adds and takes out ports, all or nothing
answers() { [ "$(printf x | timeout 5 nc -N 127.0.0.1 "$1" 2>/dev/null)" = "Receive: x" ]; }
ports_conf() {
	printf '[report]\nport = %s\n[server]\nhost = 127.0.0.1\nport = %s\n' $REPORT_PORT "$1"
}
ports_conf 7000-7002 >"$live"
start_daemon "$live"
check "port = 7000-7002: each answers" bash -c "$(declare -f answers); answers 7000 && answers 7001 && answers 7002"
ports_conf '7000, 7002-7004' >"$live"
reload
check "reloaded to 7000, 7002-7004: 7003 and 7004 answer" \
	bash -c "$(declare -f answers); answers 7003 && answers 7004 && answers 7000"
# (a retired listener is drained for up to TCP_DRAIN_S, 3 s)
for _ in $(seq 300); do [ -z "$(ss -Hltn 'sport = :7001')" ] && break; sleep 0.05; done
check "... and 7001 is closed" test -z "$(ss -Hltn 'sport = :7001')"
"$STRESS" bind -h 127.0.0.1 -p 7006 >"$T/bind7006.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
wait_for "$T/bind7006.out" '^bound'
ports_conf 7000-7006 >"$live"
reload 'reload refused: cannot bind tcp 127.0.0.1:7006: Address already in use'
check "7000-7006 with 7006 taken: refused whole, 7001 and 7005 not bound" \
	test -z "$(ss -Hltn 'sport = :7001')$(ss -Hltn 'sport = :7005')"
check "... and the ports there were still answer" \
	bash -c "$(declare -f answers); answers 7000 && answers 7004"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
