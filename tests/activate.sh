#!/bin/bash
# activate: socket activation through systemd-socket-activate: netechod
# takes its TCP listener and UDP socket from the service manager, tells
# them apart by type, logs it, and they take precedence over host and port.
. "${top_srcdir:-.}/tests/lib.sh"

command -v systemd-socket-activate >/dev/null || skip "systemd-socket-activate is not installed"

# the file says port 7999: the activated port 7000 must win
live=$T/live.conf
printf '[server]\nhost = 127.0.0.1\nport = 7999\n[udp]\necho = yes\n' >"$live"

# TCP alone; the daemon starts on the first connection, which it serves
: >"$T/d.err"
systemd-socket-activate -l 127.0.0.1:$PORT "$NETECHOD" -f -c "$live" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" "Listening on 127.0.0.1:$PORT"
check "the first connection starts and reaches netechod" \
	cmp -s <(printf 'first' | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'Receive: first')
check "it logs that it took a socket-activated TCP listener" \
	grep -q 'listening on tcp 127.0.0.1:7000 (socket-activated, fd 3)' "$T/d.err"
check "and that activation takes precedence over host and port" \
	grep -q "0 udp sockets from the service manager; host and port in $live are not used" \
		"$T/d.err"
check "it did not bind the configured port 7999" bash -c "! nc -z 127.0.0.1 7999"
check "with no activated UDP socket, UDP is off" grep -q 'started (tcp on, udp off)' "$T/d.err"
"$ECHOCHECK" -p $PORT -c 20 -n 20 -P 'Receive: ' >"$T/check.out" 2>&1
check "20 connections through the activated socket, every byte right" test $? -eq 0
# a reload keeps the activated sockets whatever the file says
printf '[server]\nhost = 127.0.0.1\nport = 7998\n[tcp]\nreply_prefix = "Re: "\n' >"$live"
kill -HUP "$DPID"
wait_for "$T/d.err" 'reload: socket activation: changes to enabled, host and port are not used'
wait_for "$T/d.err" "reloaded $live"
check "after a reload: the activated port, the new prefix" \
	cmp -s <(printf 'again' | nc -N 127.0.0.1 $PORT) <(printf 'Re: again')
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# TCP and UDP: one systemd-socket-activate passes its TCP socket through
# another, which adds a UDP one; netechod tells them apart by type
printf '[server]\nhost = 127.0.0.1\nport = 7999\n[udp]\necho = yes\n' >"$live"
: >"$T/d.err"
systemd-socket-activate -l 127.0.0.1:$PORT \
	systemd-socket-activate --datagram -l 127.0.0.1:$PORT "$NETECHOD" -f -c "$live" \
		>"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" "Listening on 127.0.0.1:$PORT"
check "TCP through the activated socket" \
	cmp -s <(printf 'tcp' | timeout 10 nc -N 127.0.0.1 $PORT) <(printf 'Receive: tcp')
wait_for "$T/d.err" 'netechod [0-9.]+ started'
check "the TCP listener is fd 3" \
	grep -q 'listening on tcp 127.0.0.1:7000 (socket-activated, fd 3)' "$T/d.err"
check "the UDP socket is fd 4" \
	grep -q 'listening on udp 127.0.0.1:7000 (socket-activated, fd 4)' "$T/d.err"
check "UDP through the activated socket, echoed" \
	cmp -s <("$NETECHO" -u -m 'udp' 127.0.0.1 $PORT) <(printf 'udp\n')
check "the datagram was logged" \
	grep -q 'udp datagram peer=127.0.0.1:[0-9]* .*len=4 data="udp\\x0a"' "$T/d.err"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# many ports: every socket passed is taken
printf '[server]\nhost = 127.0.0.1\nport = 7999\n' >"$live"
: >"$T/d.err"
systemd-socket-activate -l 127.0.0.1:7000 -l 127.0.0.1:7001 -l 127.0.0.1:7002 \
	"$NETECHOD" -f -c "$live" >"$T/d.out" 2>>"$T/d.err" &
DPID=$!
wait_for "$T/d.err" "Listening on 127.0.0.1:7002"
check "three sockets passed: the first port answers" \
	cmp -s <(printf 'a' | timeout 10 nc -N 127.0.0.1 7000) <(printf 'Receive: a')
wait_for "$T/d.err" 'netechod [0-9.]+ started'
check "... and so do the others" \
	cmp -s <(printf 'c' | timeout 10 nc -N 127.0.0.1 7002) <(printf 'Receive: c')
check "... all three taken" test "$(grep -c 'listening on tcp 127.0.0.1:700[012] (socket-activated' \
	"$T/d.err")" -eq 3
stop_daemon

# malformed activation variables are an error, not a guess
LISTEN_PID=$$x LISTEN_FDS=1 "$NETECHOD" -f -c "$live" 2>"$T/bad.err"
check "a malformed LISTEN_PID: netechod refuses to start" test $? -ne 0
check "... and says why" grep -q 'socket activation: LISTEN_PID=.* is not a process id' "$T/bad.err"
