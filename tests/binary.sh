#!/bin/bash
# binary: NUL bytes and invalid UTF-8 pass unchanged; an empty prefix is a
# byte-exact echo (RFC 862); IPv6 on ::1; UDP echo = yes (never larger
# than the datagram).
. "${top_srcdir:-.}/tests/lib.sh"

cfg=$(conf plain <<EOF
[server]
host = 127.0.0.1
port = $PORT
[tcp]
reply_prefix = ""
[udp]
echo = yes
EOF
)
start_daemon "$cfg"

# every byte value, twice, through netcat
: >"$T/all.bin"
for i in 1 2; do
	for b in $(seq 0 255); do printf "\\x$(printf %02x "$b")"; done >>"$T/all.bin"
done
nc -N 127.0.0.1 $PORT <"$T/all.bin" >"$T/all.out"
check "an empty prefix echoes all 256 byte values exactly" cmp -s "$T/all.bin" "$T/all.out"

# a megabyte of random bytes, half-closed at the end: nothing is lost
head -c 1048576 /dev/urandom >"$T/rand.bin"
nc -N 127.0.0.1 $PORT <"$T/rand.bin" >"$T/rand.out"
check "1 MiB of random bytes comes back exactly, then EOF" cmp -s "$T/rand.bin" "$T/rand.out"

"$ECHOCHECK" -b -p $PORT -c 10 -n 50 -s 1000 >"$T/check.out" 2>&1
check "binary messages on 10 connections, every byte checked" test $? -eq 0
stop_daemon

# with the default prefix, binary data still passes unchanged
cfg=$( { base_conf; printf '[udp]\necho = yes\n'; } | conf prefixed)
start_daemon "$cfg"
printf 'A\000B\377\300\200' | nc -N 127.0.0.1 $PORT >"$T/nul.out"
check "NUL and invalid UTF-8 pass unchanged after the prefix" \
	cmp -s "$T/nul.out" <(printf 'Receive: A\000B\377\300\200')

# UDP echo = yes: the datagram itself, to the sender (the TCP prefix is
# TCP's: a UDP reply is never larger than what asked for it)
udp_ask $PORT 'Hello UDP' >"$T/udp.out"
check "UDP echo = yes answers with the payload (netcat)" cmp -s "$T/udp.out" <(printf 'Hello UDP')
"$NETECHO" -u -m 'ping' 127.0.0.1 $PORT >"$T/udp2.out"
check "netecho -u prints the UDP reply" cmp -s "$T/udp2.out" <(printf 'ping\n')
udp_ask $PORT 'x\000y' >"$T/udp3.out"
check "a UDP datagram with a NUL byte is echoed whole" cmp -s "$T/udp3.out" <(printf 'x\000y')
wait_for "$T/d.err" 'udp datagram peer=127\.0\.0\.1:[0-9]+ .*len=3 data="x\\x00y"'
ok "and logged escaped"
big=$(head -c 30000 /dev/urandom | base64 -w0 | head -c 30000)
"$NETECHO" -u -r -m "$big" 127.0.0.1 $PORT >"$T/udp4.out"
check "a 30000-byte datagram is echoed whole" cmp -s "$T/udp4.out" <(printf '%s' "$big")
# a datagram from a privileged port (here 19, chargen's) is not answered
printf 'loop' | nc -u -w1 -p 19 127.0.0.1 $PORT >"$T/priv.out"
check "no echo to a privileged source port" test ! -s "$T/priv.out"
wait_for "$T/d.err" 'udp echo held back peer=127.0.0.1:19 reason=privileged-port'
ok "... and the refusal is logged"
stop_daemon

# a UDP prefix of its own: the reply begins with it, and is cut to the
# size of the datagram that asked
cfg=$( { base_conf; printf '[udp]\necho = yes\nreply_prefix = "U: "\n'; } | conf udpprefix)
start_daemon "$cfg"
udp_ask $PORT 'Hello UDP' >"$T/udpp.out"
check "with [udp] reply_prefix, a reply no larger than the datagram: prefix, then payload cut" \
	cmp -s "$T/udpp.out" <(printf 'U: Hello ')
udp_ask $PORT 'ab' >"$T/udpp2.out"
check "... even for a datagram shorter than the prefix" cmp -s "$T/udpp2.out" <(printf 'U:')
stop_daemon

# bound to every address: a reply leaves from the address it was sent to
# (127.0.0.2 here), or a client with a connected socket would drop it
cfg=$(printf '[server]\nhost = 0.0.0.0\nport = %s\n[udp]\necho = yes\n' $PORT | conf wildcard)
start_daemon "$cfg"
"$NETECHO" -u -m 'to .2' 127.0.0.2 $PORT >"$T/wild.out"
check "a wildcard socket answers from the address the datagram came to" \
	cmp -s "$T/wild.out" <(printf 'to .2\n')
stop_daemon

# IPv6
if ip -6 addr show dev lo | grep -q '::1'; then
	cfg=$(printf '[server]\nhost = ::1\nport = %s\n[udp]\necho = yes\n' $PORT | conf v6)
	start_daemon "$cfg"
	check "binds [::1]" grep -q 'listening on tcp \[::1\]:7000' "$T/d.err"
	printf 'Hello v6' | nc -N ::1 $PORT >"$T/v6.out"
	check "TCP over IPv6" cmp -s "$T/v6.out" <(printf 'Receive: Hello v6')
	"$NETECHO" -6 -m 'Hello v6' ::1 $PORT >"$T/v6b.out"
	check "netecho -6 over IPv6" cmp -s "$T/v6b.out" <(printf 'Receive: Hello v6\n')
	"$NETECHO" -u -m 'udp v6' ::1 $PORT >"$T/v6u.out"
	check "UDP over IPv6, echoed" cmp -s "$T/v6u.out" <(printf 'udp v6\n')
	check "the IPv6 peer is logged in brackets" \
		grep -Eq 'tcp open peer=\[::1\]:[0-9]+' "$T/d.err"
	check "nothing listens on IPv4 then" bash -c "! nc -z 127.0.0.1 $PORT"
	stop_daemon

	# a name with both families binds both
	cfg=$(printf '[server]\nhost = localhost\nport = %s\n' $PORT | conf both)
	if getent ahosts localhost | grep -q '::1'; then
		start_daemon "$cfg"
		both=$(count_lines "$T/d.err" 'listening on tcp (127\.0\.0\.1|\[::1\]):7000')
		check "localhost binds 127.0.0.1 and ::1" test "$both" -eq 2
		printf a | nc -N 127.0.0.1 $PORT >"$T/l4.out"
		printf b | nc -N ::1 $PORT >"$T/l6.out"
		check "both answer" \
			cmp -s <(cat "$T/l4.out" "$T/l6.out") <(printf 'Receive: aReceive: b')
		stop_daemon
	else
		skip_part "localhost does not resolve to ::1 here (/etc/hosts): a name of both" \
			"families not checked"
	fi
else
	skip_part "no IPv6 on loopback (IPv6 disabled in this kernel or namespace): the IPv6" \
		"checks not run"
fi
