#!/bin/bash
# proxy: the PROXY protocol, behind a real HAProxy (send-proxy, then
# send-proxy-v2), with clients bound to distinct loopback addresses: the
# real client's address arrives in the log lines (the proxy's beside it),
# in the access list's decisions, in the per-source limit, and in the
# path report. Headers that are malformed, incomplete in time, missing
# where required, or sent by a peer not in proxy_from close the
# connection with one line; v2's LOCAL (a health check) is served as the
# proxy itself; with proxy_protocol = optional a trusted proxy may send
# none; a daemon not configured for it echoes a header like any data.
. "${top_srcdir:-.}/tests/lib.sh"

command -v haproxy >/dev/null || skip "haproxy is not installed"
command -v jq >/dev/null || skip "jq is not installed"

from() { local a=$1; shift; timeout 10 nc -s "$a" "$@"; }
V2_SIG='\r\n\r\n\0\r\nQUIT\n'

# --- HAProxy in front: 7201 sends v1, 7202 v2, 7203 v2 to the report
cat >"$T/haproxy.cfg" <<EOF
global
	maxconn 200
defaults
	mode tcp
	timeout connect 5s
	timeout client 30s
	timeout server 30s
frontend v1
	bind 127.0.0.1:7201
	default_backend v1
backend v1
	server echo 127.0.0.1:$PORT send-proxy
frontend v2
	bind 127.0.0.1:7202
	default_backend v2
backend v2
	server echo 127.0.0.1:$PORT send-proxy-v2
frontend report
	bind 127.0.0.1:7203
	default_backend report
backend report
	server report 127.0.0.1:$REPORT_PORT send-proxy-v2
EOF
haproxy -c -f "$T/haproxy.cfg" >"$T/haproxy-check.out" 2>&1 || fail "haproxy -c"
haproxy -db -f "$T/haproxy.cfg" >"$T/haproxy.out" 2>&1 &
HAPROXY=$!
BG_PIDS="$BG_PIDS $HAPROXY"
for _ in $(seq 100); do nc -z 127.0.0.1 7203 2>/dev/null && break; sleep 0.05; done

live=$T/live.conf
proxy_conf() {
	printf '[report]\nport = %s\nproxy_protocol = yes\nproxy_from = 127.0.0.1\n' $REPORT_PORT
	printf '[server]\nhost = 127.0.0.1\nport = %s\n[log]\nrate_limit = 0\n' $PORT
	printf '[tcp]\nproxy_protocol = %s\nproxy_from = 127.0.0.1\n' "$1"
	shift
	printf '%s\n' "$@"
}
proxy_conf yes 'deny = 127.0.0.3' 'max_per_source = 1' >"$live"
start_daemon "$live"

for v in 1 2; do
	port=720$v
	m=$(mark "$T/d.err")
	check "v$v: a client through HAProxy is answered" \
		test "$(printf 'hello' | from 127.0.0.2 -N 127.0.0.1 $port)" = "Receive: hello"
	wait_after "$T/d.err" "$m" \
		"tcp open peer=127\.0\.0\.2:[0-9]+ via=127\.0\.0\.1:[0-9]+ local="
	ok "v$v: logged as the real client, the proxy beside it"
	wait_after "$T/d.err" "$m" 'tcp close peer=127\.0\.0\.2:[0-9]+ via=127\.0\.0\.1:'
	check "v$v: ... on its data and close lines too" \
		test "$(count_after "$T/d.err" "$m" 'tcp data peer=127\.0\.0\.2:')" -eq 1
	m=$(mark "$T/d.err")
	out=$(printf 'hello' | from 127.0.0.3 -N 127.0.0.1 $port | wc -c)
	check "v$v: the access list judges the real client: 127.0.0.3 denied" test "$out" -eq 0
	wait_after "$T/d.err" "$m" 'tcp denied peer=127\.0\.0\.3:[0-9]+ via=127\.0\.0\.1:'
	ok "v$v: ... logged with the proxy beside it"
	# max_per_source = 1, per real client: a second connection from
	# 127.0.0.2 is refused while 127.0.0.4 is served, all from one proxy
	m=$(mark "$T/d.err")
	timeout 60 nc -d -s 127.0.0.2 127.0.0.1 $port >/dev/null &
	held=$!
	wait_after "$T/d.err" "$m" 'tcp open peer=127\.0\.0\.2:'
	m=$(mark "$T/d.err")
	out=$(printf 'x' | from 127.0.0.2 -N 127.0.0.1 $port | wc -c)
	check "v$v: max_per_source per real client: a second from 127.0.0.2 refused" test "$out" -eq 0
	wait_after "$T/d.err" "$m" 'tcp refused peer=127\.0\.0\.2:[0-9]+ reason=max_per_source \(1\)'
	check "v$v: ... while 127.0.0.4, through the same proxy, is served" \
		test "$(printf 'hi' | from 127.0.0.4 -N 127.0.0.1 $port)" = "Receive: hi"
	m=$(mark "$T/d.err")
	kill "$held" 2>/dev/null
	wait "$held" 2>/dev/null
	# its place is free once netechod has seen it close
	wait_after "$T/d.err" "$m" 'tcp close peer=127\.0\.0\.2:'
done

# --- the path report through HAProxy: the real client, and the proxy said
report=$(from 127.0.0.2 -d 127.0.0.1 7203)
check "the report through HAProxy names the real client and the proxy" \
	test "$(jq -c '[.client, .proxy]' <<<"$report")" = '["127.0.0.2","127.0.0.1"]'

# --- headers gone wrong, from the trusted address
bad() {  # bad NAME BYTES WHY: sent raw from 127.0.0.1; closed, one line
	local m out
	m=$(mark "$T/d.err")
	out=$(printf "$2" | from 127.0.0.1 -N 127.0.0.1 $PORT | wc -c)
	check "$1: closed with no reply" test "$out" -eq 0
	wait_after "$T/d.err" "$m" "tcp proxy header refused peer=127\.0\.0\.1:[0-9]+: $3"
	ok "$1: ... and said why"
}
bad "a malformed v1 header" 'PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\nhi' \
	"a version 1 header's port is not a number from 0 to 65535"
bad "a v1 header too long" "PROXY UNKNOWN $(printf '%0120d' 0)\r\n" \
	"a version 1 header longer than 107 bytes"
bad "a v2 header of an unknown command" "${V2_SIG}\\x22\\x11\\x00\\x0c" \
	"a version 2 header's command is neither LOCAL nor PROXY"
bad "no header where one is required" 'hello' \
	'no PROXY header \(proxy_protocol = yes\)'
# (a peer that closes its side with half a header: said at once, not
# waited on for 5 s with the thread spinning)
bad "half a header, then the peer's close" 'PROXY TCP4 1.2.3.4' \
	'closed before its PROXY header'
# a header that does not come whole in 5 s
m=$(mark "$T/d.err")
{ printf 'PROXY TCP4 '; sleep 8; } | from 127.0.0.1 127.0.0.1 $PORT >"$T/slow.out"
wait_after "$T/d.err" "$m" 'tcp proxy header refused peer=127\.0\.0\.1:[0-9]+: no whole PROXY header in 5 s'
check "a header not whole in 5 s: closed, no reply" test ! -s "$T/slow.out"
# v2 LOCAL: a health check, served as the proxy itself
m=$(mark "$T/d.err")
check "v2 LOCAL: served as the proxy itself" \
	test "$(printf "${V2_SIG}\\x20\\x00\\x00\\x00hello" | from 127.0.0.1 -N 127.0.0.1 $PORT)" = \
		"Receive: hello"
wait_after "$T/d.err" "$m" 'tcp open peer=127\.0\.0\.1:[0-9]+ local='
ok "... logged as the proxy, with no via="
# a v2 header with TLVs (skipped), then data in the same segment
check "a v2 header with TLVs, then data: the data is answered" \
	test "$(printf "${V2_SIG}\\x21\\x11\\x00\\x11\\x7f\\x00\\x00\\x05\\x7f\\x00\\x00\\x01\\x9c\\x40\\x1b\\x58\\x04\\x00\\x02zzdata" |
		from 127.0.0.1 -N 127.0.0.1 $PORT)" = "Receive: data"
# a peer not in proxy_from, with proxy_protocol = yes: refused
m=$(mark "$T/d.err")
out=$(printf 'hello' | from 127.0.0.2 -N 127.0.0.1 $PORT | wc -c)
check "a direct client not in proxy_from (proxy_protocol = yes): closed" test "$out" -eq 0
wait_after "$T/d.err" "$m" \
	'tcp proxy header refused peer=127\.0\.0\.2:[0-9]+: not in proxy_from \(proxy_protocol = yes\)'
ok "... and said why"
check "what was refused for its header is counted" test "$(stats_value proxy_errors)" -eq 7

# --- optional: a trusted proxy may send none; a header from anyone else
# is refused; a direct client without one is served
proxy_conf optional >"$live"
reload
check "optional: the proxy without a header is served as itself" \
	test "$(printf 'hey' | from 127.0.0.1 -N 127.0.0.1 $PORT)" = "Receive: hey"
check "optional: with one, its client" \
	test "$(printf 'PROXY TCP4 192.0.2.9 127.0.0.1 4000 7000\r\nhey' |
		from 127.0.0.1 -N 127.0.0.1 $PORT)" = "Receive: hey"
wait_for "$T/d.err" 'tcp open peer=192\.0\.2\.9:4000 via=127\.0\.0\.1:'
check "optional: a direct client is served" \
	test "$(printf 'hey' | from 127.0.0.2 -N 127.0.0.1 $PORT)" = "Receive: hey"
m=$(mark "$T/d.err")
out=$(printf 'PROXY TCP4 192.0.2.9 127.0.0.1 4000 7000\r\nhey' | from 127.0.0.2 -N 127.0.0.1 $PORT |
	wc -c)
check "optional: a header from a peer not in proxy_from is refused" test "$out" -eq 0
wait_after "$T/d.err" "$m" \
	'tcp proxy header refused peer=127\.0\.0\.2:[0-9]+: a PROXY header from a peer not in proxy_from'
ok "... and said why"
stop_daemon

# --- a daemon not configured for it: a header is data, echoed
start_daemon "$(base_conf | conf plain)"
check "no proxy_protocol: a header is echoed like any data" \
	test "$(printf 'PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n' | nc -N 127.0.0.1 $PORT)" = \
		"$(printf 'Receive: PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n')"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
