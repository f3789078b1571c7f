#!/bin/bash
# udpecho: with [udp] echo = yes a reply can be aimed at a victim by a
# forged source address, or started in a loop with another echo service.
# Replies are bounded per source and in total (echo_rate,
# echo_rate_total), never sent to a privileged port nor to the daemon's
# own sockets, and what is held back is counted and logged; a loop between
# two daemons started by one forged datagram dies out. A reply to a
# broadcast datagram leaves from the interface's own address.
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
stat_of() { grep 'stats uptime=' "$T/$1" | tail -n 1 | sed -n "s/.* $2=\([0-9]*\).*/\1/p"; }

# until a counter of the daemon whose log is FILE stops changing (the
# count of datagrams of a loop that has died out): prints it
settled() {
	local file=$1 key=$2 pid=$3 last=-1 now m
	for _ in $(seq 100); do
		m=$(mark "$T/$file")
		kill -USR1 "$pid"
		wait_after "$T/$file" "$m" 'stats uptime='
		now=$(stat_of "$file" "$key")
		[ "$now" = "$last" ] && break
		last=$now
		sleep 0.3
	done
	echo "$now"
}

# --- two echoing daemons, and one datagram forged from one to the other
printf '%s\n' '[server]' 'host = 127.0.0.1' 'port = 7000' '[udp]' 'echo = yes' 'echo_rate = 5' \
	'[tcp]' 'enabled = no' '[report]' 'port = 7100' >"$T/p.conf"
printf '%s\n' '[server]' 'host = 127.0.0.1' 'port = 7001' '[udp]' 'echo = yes' 'echo_rate = 5' \
	'[tcp]' 'enabled = no' '[report]' 'port = 7101' >"$T/q.conf"
start_daemon "$T/p.conf"
P=$DPID
: >"$T/q.err"
"$NETECHOD" -f -c "$T/q.conf" >/dev/null 2>>"$T/q.err" &
Q=$!
BG_PIDS="$BG_PIDS $Q"
wait_for "$T/q.err" 'netechod [0-9.]+ started'
"$STRESS" spoof -h 127.0.0.1 -p 7000 -s 127.0.0.1:7001 -m loop >/dev/null
case $? in
0) ;;
77) skip "cannot open a raw socket here (no CAP_NET_RAW): no datagram can be forged" ;;
*) fail "stress spoof failed" ;;
esac
wait_for "$T/d.err" 'udp echo held back peer=127\.0\.0\.1:7001 reason=rate-per-source'
ok "a loop between two echo services is held back by the per-source rate"
p=$(settled d.err udp_datagrams "$P")
q=$(settled q.err udp_datagrams "$Q")
echo "# the forged datagram bounced: $p datagrams reached one daemon, $q the other"
check "... and dies out: at most echo_rate + 1 datagrams each ($p and $q)" \
	test "$p" -le 6 -a "$q" -le 6
check "... what was held back is counted" test "$(stat_of d.err udp_echo_held)" -ge 1
kill -TERM "$Q"
wait "$Q"

# a datagram forged from the daemon's own address and port: never answered
m=$(mark "$T/d.err")
"$STRESS" spoof -h 127.0.0.1 -p 7000 -s 127.0.0.1:7000 -m self >/dev/null
wait_after "$T/d.err" "$m" 'udp echo held back peer=127\.0\.0\.1:7000 reason=own-address'
ok "a datagram from the daemon's own socket is not answered"
check "... and came back to it no more than once" \
	test "$(count_after "$T/d.err" "$m" 'udp datagram peer=127.0.0.1:7000')" -eq 1
# from another local address with the daemon's port: ours as well
m=$(mark "$T/d.err")
"$STRESS" spoof -h 127.0.0.1 -p 7000 -s 127.0.0.9:7000 -m self2 >/dev/null
wait_after "$T/d.err" "$m" 'udp echo held back peer=127\.0\.0\.9:7000 reason=own-address'
ok "... nor one from another local address with the daemon's port"

# a privileged source port (19, chargen's): never answered
printf 'loop' | nc -u -w1 -p 19 127.0.0.1 7000 >"$T/priv.out"
check "no echo to a privileged source port" test ! -s "$T/priv.out"
wait_for "$T/d.err" 'udp echo held back peer=127\.0\.0\.1:19 reason=privileged-port'
ok "... and the refusal is logged"

# one honest client asking fast: echo_rate (5) replies and no more, then
# more as time passes
m=$(mark "$T/d.err")
seq 20 | sed 's/^/burst /' >"$T/burst.in"
timed "$NETECHO" -u -w 0.5 127.0.0.1 7000 <"$T/burst.in" >"$T/burst.out"
got=$(grep -c '^burst' "$T/burst.out")
# the burst (5), and what the bucket refilled (5 a second) while it ran
allowed=$((5 + 5 * ELAPSED_MS / 1000 + 1))
echo "# 20 datagrams at once from one client: $got answered in $ELAPSED_MS ms (at most $allowed)"
check "20 datagrams at once from one source: echo_rate (5) answered, and what time refilled" \
	test "$got" -ge 5 -a "$got" -le "$allowed"
check "... the rest held back, each counted" \
	test "$(count_after "$T/d.err" "$m" 'reason=rate-per-source')" -le 15
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# --- the total: many sources, each within its own rate
printf '%s\n' '[server]' 'host = 127.0.0.1' 'port = 7000' '[udp]' 'echo = yes' 'echo_rate = 100' \
	'echo_rate_total = 10' '[log]' 'rate_limit = 0' >"$T/t.conf"
start_daemon "$T/t.conf"
timed "$STRESS" udpflood -p 7000 -n 300 -c 30 >"$T/flood.out"
wait_for "$T/d.err" 'reason=rate-total'
n=$(settled d.err udp_datagrams "$DPID")
held=$(stat_of d.err udp_echo_held)
# the bucket holds 10 and refills 10 a second: what the flood's time
# allows, rounded up a second
allowed=$((10 + 10 * (ELAPSED_MS / 1000 + 1)))
echo "# 300 datagrams from 30 sources in $ELAPSED_MS ms: $n received," \
	"$((n - held)) answered (at most $allowed)"
check "30 sources against echo_rate_total = 10: no more answered than the total allows" \
	test "$n" -gt 0 -a $((n - held)) -le "$allowed"
stop_daemon

# --- a reply to a broadcast datagram leaves from the interface's address
if ip link add ne-v0 type veth peer name ne-v1 2>/dev/null; then
	ip addr add 10.9.0.1/24 dev ne-v0 && ip link set ne-v0 up && ip link set ne-v1 up
	printf '[server]\nhost = 0.0.0.0\nport = 7000\n[udp]\necho = yes\n' >"$T/b.conf"
	start_daemon "$T/b.conf"
	"$STRESS" udpask -h 10.9.0.255 -p 7000 -m hello >"$T/bcast.out"
	check "a broadcast datagram is answered from the interface's own address" \
		grep -qx 'reply from 10.9.0.1: hello' "$T/bcast.out"
	stop_daemon
else
	skip_part "no veth here (ip link add type veth failed): the broadcast check not run"
fi
