#!/bin/bash
# terminal: what a person sees of netecho on a terminal (a tmux pane),
# against the real daemon: ping mode until Ctrl-C (the key, sent by tmux)
# prints ping's summary and exits 0; --bench shows its live line, then the
# report; --scan its report; --path the path report. (test.sh installs
# tmux; without it the test is skipped.)
. "${top_srcdir:-.}/tests/lib.sh"

command -v tmux >/dev/null || skip "tmux is not installed"
SOCK=$T/tmux.sock
tm() { tmux -S "$SOCK" "$@"; }
cleanup_tmux() { tm kill-server 2>/dev/null; }
trap 'cleanup_tmux; cleanup' EXIT

cfg=$( { base_conf; printf '[udp]\necho = yes\n'; } | conf t)
start_daemon "$cfg"

# run NAME COMMAND: COMMAND in a new 100x40 pane; its status goes to
# $T/NAME.status when it ends
run() {
	tm new-session -d -s "$1" -x 100 -y 40 \
		"bash -c '$2; echo \$? >$T/$1.status; sleep 60'" || fail "tmux new-session"
}
pane() { tm capture-pane -p -t "$1" >"$T/$1.pane"; }
# until_pane NAME PATTERN: until the pane shows a line matching PATTERN
until_pane() {
	local i
	for i in $(seq 400); do
		pane "$1"
		grep -Eq -- "$2" "$T/$1.pane" && return 0
		sleep 0.05
	done
	fail "the pane $1 never showed /$2/"
}
until_status() {
	local i
	for i in $(seq 400); do
		[ -s "$T/$1.status" ] && return 0
		sleep 0.05
	done
	fail "$1 did not end"
}

run ping "$NETECHO -n 0 -i 0.1 127.0.0.1 $PORT"
until_pane ping '^[0-9]+ bytes from 127\.0\.0\.1:7000: seq=3 '
tm send-keys -t ping C-c
until_status ping
pane ping
check "ping: Ctrl-C on the terminal ends it with exit 0" test "$(cat "$T/ping.status")" = 0
check "... and ping's summary on the screen" \
	bash -c "grep -q '^--- 127.0.0.1:7000 netecho statistics ---$' '$T/ping.pane' && \
		grep -Eq '^([3-9]|[1-9][0-9]+) sent, \\1 received, 0% loss, time [0-9]+ms$' '$T/ping.pane' && \
		grep -Eq '^rtt min/avg/max/mdev = ' '$T/ping.pane'"

run bench "$NETECHO --bench -c 2 -d 2.5 127.0.0.1 $PORT"
until_status bench
pane bench
check "bench: exit 0" test "$(cat "$T/bench.status")" = 0
check "... the live line stayed on the screen, once a second overwritten" \
	grep -Eq '^ *[0-9.]+s +[0-9]+ req/s  in [0-9.]+ [KMGT]?bits/sec  p50 [0-9.]+ ms  errors 0' \
		"$T/bench.pane"
check "... then the report" \
	grep -Eq '^  throughput  in [0-9.]+ [KMGT]?bits/sec ' "$T/bench.pane"

run scan "$NETECHO --scan -w 1 127.0.0.1 $PORT,7999"
until_status scan
pane scan
check "scan: exit 1 (7999 refused), the report on the screen" \
	bash -c "test \"\$(cat '$T/scan.status')\" = 1 && grep -qx '  7000 open (echoes)' '$T/scan.pane' && \
		grep -qx '  7999 refused' '$T/scan.pane' && grep -qx '1 open, 1 refused, 0 filtered' '$T/scan.pane'"
run path "$NETECHO --path 127.0.0.1 $REPORT_PORT"
until_status path
pane path
check "path: exit 0, each protocol's report on the screen" \
	bash -c "test \"\$(cat '$T/path.status')\" = 0 && grep -qx 'path report from 127.0.0.1:$REPORT_PORT' '$T/path.pane' && \
		grep -Eq '^tcp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$REPORT_PORT$' '$T/path.pane' && \
		grep -Eq '^udp 127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.1:$REPORT_PORT$' '$T/path.pane' && \
		grep -qx '  hops: 0 (ttl 64 sent, 64 seen)' '$T/path.pane'"
stop_daemon
