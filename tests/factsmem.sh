#!/bin/bash
# factsmem: [log] path_facts costs a held connection no memory of its own.
# 2,000 connections held idle (never a byte sent) against the daemon at
# level notice, with path_facts on and then off: the resident memory each
# costs differs by far less than a page (reading the saved SYN onto the
# connection thread's stack once cost every connection 4 KiB more).
. "${top_srcdir:-.}/tests/lib.sh"

STRESS=$top_builddir/tests/stress
N=2000

# sanitizers change every thread's stack and heap: no figure to compare
[ -z "${SANITIZERS:-}" ] || skip "memory per connection is not measured in sanitizer builds"
ulimit -n $((N + 500)) 2>/dev/null || ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((N + 100)) ] || skip "cannot raise the descriptor limit to $((N + 100))"

# per_connection FACTS: bytes of RSS each held connection adds, in PER,
# read once the daemon holds all N at once (its stats say so)
per_connection() {
	local cfg idle held=0 rss load
	cfg=$(conf "m-$1" <<EOF
[server]
host = 127.0.0.1
port = $PORT
backlog = 4096
[tcp]
max_connections = $((N + 100))
[udp]
enabled = no
[report]
enabled = no
[log]
level = notice
path_facts = $1
EOF
)
	start_daemon "$cfg"
	idle=$(rss_kb "$DPID")
	"$STRESS" flood -p "$PORT" -n "$N" -c "$N" -H 60000 >"$T/flood-$1.out" &
	load=$!
	BG_PIDS="$BG_PIDS $load"
	for _ in $(seq 300); do
		held=$(stats_value tcp_active)
		[ "$held" -eq "$N" ] && break
		sleep 0.1
	done
	[ "$held" -eq "$N" ] || fail "the daemon never held all $N connections at once ($held)"
	rss=$(rss_kb "$DPID")
	kill "$load"
	wait "$load" 2>/dev/null
	stop_daemon
	[ "$DSTATUS" -eq 0 ] || fail "netechod exited $DSTATUS"
	PER=$(((rss - idle) * 1024 / N))
}

per_connection yes
on=$PER
per_connection no
off=$PER
echo "# $N idle connections held: $on bytes each with path_facts, $off without"
check "both figures are real ($on and $off bytes a connection, more than 4 KiB each)" \
	test "$on" -gt 4096 -a "$off" -gt 4096
check "path_facts costs a connection less than 1 KiB ($on - $off bytes)" \
	test $((on - off)) -lt 1024
