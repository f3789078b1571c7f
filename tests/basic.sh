#!/bin/bash
# basic: the exchanges a user tries first, with netecho and with netcat:
# TCP "Hello TCP" answered "Receive: Hello TCP", a greeting on connect before
# anything is sent, a UDP datagram logged with its sender, SIGTERM exit 0.
. "${top_srcdir:-.}/tests/lib.sh"

cfg=$( { base_conf; printf '[tcp]\ngreeting = "Welcome\\r\\n"\n'; } | conf greet)
start_daemon "$cfg"

# netcat: send, read once
printf 'Hello TCP' | nc -N 127.0.0.1 $PORT >"$T/nc.out"
check "netcat gets the greeting then Receive: Hello TCP" \
	cmp -s "$T/nc.out" <(printf 'Welcome\r\nReceive: Hello TCP')

# the greeting arrives before the client sends anything
timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT; head -c 9 <&3" >"$T/greet.out"
check "the greeting arrives on connect, before the client sends" \
	cmp -s "$T/greet.out" <(printf 'Welcome\r\n')

# netecho: -m messages, each answered, exit 0
"$NETECHO" -m 'Hello TCP' -m 'again' 127.0.0.1 $PORT >"$T/ne.out"
check "netecho exits 0 once everything is answered" test $? -eq 0
check "netecho prints the greeting and each reply" \
	cmp -s "$T/ne.out" <(printf 'Welcome\r\nReceive: Hello TCP\nReceive: again\n')

# standard input, as it comes
printf 'line one\n' | "$NETECHO" 127.0.0.1 $PORT >"$T/stdin.out"
check "netecho sends standard input" \
	cmp -s "$T/stdin.out" <(printf 'Welcome\r\nReceive: line one\n')

# UDP: logged with the sender's address and port, size and payload
printf 'Hello UDP' | nc -u -w1 -p 40123 127.0.0.1 $PORT
wait_for "$T/d.err" 'udp datagram peer=127\.0\.0\.1:40123 .*len=9 data="Hello UDP"'
ok "a UDP datagram is logged with its sender, size and payload"
"$NETECHO" -u -w 0.3 -m 'Hello again' 127.0.0.1 $PORT >"$T/udp.out"
check "netecho -u exits 0 and prints nothing: no UDP echo by default" \
	test $? -eq 0 -a ! -s "$T/udp.out"
wait_for "$T/d.err" 'udp datagram peer=127\.0\.0\.1:[0-9]+ .*len=12 data="Hello again\\x0a"'
ok "netecho -u sends the message as one datagram"

# connection lines: opened, then closed with byte counts and duration
check "a connection is logged when it opens" \
	grep -Eq 'tcp open peer=127\.0\.0\.1:[0-9]+ local=127\.0\.0\.1:7000 ' "$T/d.err"
check "and when it closes, with bytes in and out and the duration" \
	grep -Eq 'tcp close peer=127\.0\.0\.1:[0-9]+ in=9 out=27 duration=[0-9.]+s reason=eof' \
		"$T/d.err"
check "start-up logs the version and every address bound" \
	grep -Eq 'listening on tcp 127\.0\.0\.1:7000' "$T/d.err"
check "start-up logs the UDP address too" grep -Eq 'listening on udp 127\.0\.0\.1:7000' "$T/d.err"

# SIGTERM: new connections are refused at once, while the daemon still
# waits for one that is open
"$ECHOCHECK" -p $PORT -c 1 -n 1 -g $'Welcome\r\n' -P 'Receive: ' -H >"$T/hold.out" 2>&1 &
holder=$!
BG_PIDS="$BG_PIDS $holder"
wait_for "$T/hold.out" '^holding 1$'
m=$(mark "$T/d.err")
kill -TERM "$DPID"
wait_after "$T/d.err" "$m" 'waiting up to 10s for 1 connections to end'
check "SIGTERM: the port is closed at once, while a connection is still waited for" \
	bash -c "! nc -z 127.0.0.1 $PORT && kill -0 $DPID"
# once that client goes, the daemon ends of itself
kill $holder
wait $holder 2>/dev/null
wait "$DPID"
DSTATUS=$?
DPID=
check "SIGTERM: exit status 0 once the last connection ended" test "$DSTATUS" -eq 0
check "SIGTERM is logged" grep -q 'SIGTERM: stopping' "$T/d.err"

# SIGINT too
start_daemon "$cfg"
stop_daemon INT
check "SIGINT: exit status 0" test "$DSTATUS" -eq 0
