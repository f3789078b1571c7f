#!/bin/bash
# ownaddr: with host = * a UDP socket owns every address of the host, so an
# echo to any of them, on a port the daemon serves, comes back to it. One
# datagram forged from one local address to another must be held back at
# once (reason own-address), never loop, whatever echo_rate allows; and the
# host's addresses are followed at run time: one added is recognised, one
# removed is a stranger again; and a local route without an address
# (ip route add local) cannot hide a loop between two of its addresses.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
command -v nc >/dev/null || skip "nc (netcat) is not installed"

ip addr add 10.0.0.2/32 dev lo && ip addr add 10.0.0.3/32 dev lo \
	|| skip "cannot add addresses to lo"
# echo_rate raised as the man pages advise for --bench: no rate stops a loop
cfg=$(conf d <<EOF
[server]
host = *
port = $PORT
[udp]
echo = yes
echo_rate = 1000000
echo_rate_total = 10000000
[tcp]
enabled = no
[report]
port = $REPORT_PORT
EOF
)
start_daemon "$cfg"

# spoof FROM: one datagram to 10.0.0.2:$PORT claiming to come from FROM:$PORT
spoof() { "$STRESS" spoof -h 10.0.0.2 -p "$PORT" -s "$1:$PORT" -m "$2" >/dev/null; }

# after: a datagram from an ordinary client, whose log line comes after
# every line of the datagrams before it (one thread handles them in order)
after() {
	local m
	m=$(mark "$T/d.err")
	printf 'after' | nc -u -w1 10.0.0.2 "$PORT" >/dev/null 2>&1
	wait_after "$T/d.err" "$m" "udp datagram peer=10\.0\.0\.2:[0-9]+ .*data=\"after\""
}

m=$(mark "$T/d.err")
spoof 10.0.0.3 loop || skip "cannot send a forged datagram here (raw socket)"
wait_after "$T/d.err" "$m" "udp echo held back peer=10\.0\.0\.3:$PORT reason=own-address"
ok "a datagram from another local address on our port is held back as own-address"
n=$(settled_stat udp_datagrams)
echo "# one forged datagram: $n datagrams received in all"
check "... at once: no loop, at most one echo before it (udp_datagrams $n <= 2)" \
	test "$n" -ge 1 -a "$n" -le 2
check "... counted as held" test "$(stats_value udp_echo_held)" -ge 1
check "... and never as a rate" test "$(count_after "$T/d.err" "$m" 'reason=rate-')" -eq 0

# a whole prefix on lo is local: 10.1.0.77 is ours though no interface names it
ip addr add 10.1.0.1/24 dev lo
sleep 1.2       # past any re-read's pause (LOCALADDR_REREAD_S, without netlink)
m=$(mark "$T/d.err")
spoof 10.1.0.77 prefix
wait_after "$T/d.err" "$m" "udp echo held back peer=10\.1\.0\.77:$PORT reason=own-address"
ok "an address of a prefix on lo is held back as own-address too"

# an address added at run time, after the daemon has read the host's
# addresses: recognised, not answered
ip addr add 10.0.0.4/32 dev lo
sleep 1.2
m=$(mark "$T/d.err")
spoof 10.0.0.4 new
wait_after "$T/d.err" "$m" "udp echo held back peer=10\.0\.0\.4:$PORT reason=own-address"
after
check "an address added at run time is recognised: held back as own-address" \
	test "$(count_after "$T/d.err" "$m" "udp datagram peer=10\.0\.0\.4:$PORT")" -eq 1

# removed: a stranger again, answered (the echo has nowhere to go: no
# route, so it fails; but it is not held back)
ip addr del 10.0.0.4/32 dev lo
sleep 1.2
m=$(mark "$T/d.err")
spoof 10.0.0.4 gone
after
check "an address removed at run time is no longer ours: not held back" \
	test "$(count_after "$T/d.err" "$m" "held back peer=10\.0\.0\.4")" -eq 0
check "... the datagram was received" \
	test "$(count_after "$T/d.err" "$m" "udp datagram peer=10\.0\.0\.4:$PORT")" -eq 1

# a local route without an address (AnyIP: ip route add local PREFIX dev
# lo): no interface lists 10.9.0.5 or 10.9.0.6, yet both are ours; one
# datagram forged between them must not loop
if ip route add local 10.9.0.0/24 dev lo table local; then
	sleep 1.2
	m=$(mark "$T/d.err")
	before=$(settled_stat udp_datagrams)
	"$STRESS" spoof -h 10.9.0.6 -p "$PORT" -s "10.9.0.5:$PORT" -m anyip >/dev/null
	wait_after "$T/d.err" "$m" "udp echo held back peer=10\.9\.0\.5:$PORT reason=own-address"
	ok "a datagram between two addresses of a local route is held back as own-address"
	n=$(( $(settled_stat udp_datagrams) - before ))
	check "... at once: no loop ($n datagrams for one forged)" test "$n" -ge 1 -a "$n" -le 2
	ip route del local 10.9.0.0/24 dev lo table local
else
	skip_part "cannot add a local route"
fi

# a stranger's datagram from our port number is answered as before
m=$(mark "$T/d.err")
spoof 192.0.2.9 stranger
after
check "a stranger's datagram from port $PORT is not held back" \
	test "$(count_after "$T/d.err" "$m" "held back peer=192\.0\.2\.9")" -eq 0

n=$(settled_stat udp_datagrams)
check "no loop in all: $n datagrams for 6 forged and 3 ordinary" test "$n" -le 12
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
