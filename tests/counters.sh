#!/bin/bash
# counters: /metrics counts each service's events under its own service
# label (issue 19: counters per service): a connection to the report
# service under service="report" and not "echo", an echo connection
# under "echo", a denied connection and a denied datagram under their
# service, a PROXY header refused as the echo's, UDP datagrams to the
# echo and to the report apart, the bytes of each, a connection held
# open as the echo's alone, its thread serving and then cached; and the
# stats line's totals are the sums over the services.
#
# Each step reads /metrics before and after, waits (bounded) for the
# count it caused to arrive, and then asserts every other service's
# count did not move: an event is counted once, where it happened.
. "${top_srcdir:-.}/tests/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
command -v nc >/dev/null || skip "nc (netcat-openbsd) is not installed"
MPORT=7200
URL=http://127.0.0.1:$MPORT

live=$T/live.conf
{
	printf '[report]\nport = %s\ndeny = 127.0.0.2\n' $REPORT_PORT
	printf '[server]\nhost = 127.0.0.1\nport = %s\n' $PORT
	printf '[tcp]\ndeny = 127.0.0.3\nproxy_protocol = optional\nproxy_from = 127.0.0.9\n'
	printf '[udp]\necho = yes\ndeny = 127.0.0.3\n'
	printf '[metrics]\nenabled = yes\nport = %s\n[log]\nrate_limit = 0\n' $MPORT
} >"$live"
start_daemon "$live"

# scrape NAME: /metrics into $T/NAME.out
scrape() { curl -s -m 10 -o "$T/$1.out" "$URL/metrics" || fail "GET /metrics ($1)"; }
# v SCRAPE FAMILY SERVICE PROTOCOL: a sample's value ("missing" if none)
v() {
	awk -v n="$2{service=\"$3\",protocol=\"$4\"}" \
		'$1 == n { print $2; f = 1 } END { if (!f) print "missing" }' "$T/$1.out"
}
# moved FAMILY SERVICE PROTOCOL: the sample's change from before to after
moved() {
	local a b
	a=$(v before "$@") b=$(v after "$@")
	[ "$a" != missing ] && [ "$b" != missing ] || { echo missing; return; }
	echo $((b - a))
}
# deltas "FAMILY SERVICE PROTOCOL"...: each sample's change, on one line;
# values "FAMILY SERVICE PROTOCOL"...: each sample's value in "before"
deltas() { local x out=; for x in "$@"; do out="$out $(moved $x)"; done; echo $out; }
values() { local x out=; for x in "$@"; do out="$out $(v before $x)"; done; echo $out; }
# await FAMILY SERVICE PROTOCOL N: scrapes "after" until the sample has
# moved by N or more since "before" (10 s at most: a busy machine)
await() {
	local i d
	for i in $(seq 100); do
		scrape after
		d=$(moved "$@")
		[ "$d" != missing ] && [ "$d" -ge "$4" ] && return 0
		sleep 0.1
	done
	fail "$1{service=\"$2\",protocol=\"$3\"} did not move by $4 (last: $d)"
}
# still FAMILY PROTOCOL SERVICE...: those services' samples did not move
still() {
	local f=$1 p=$2 s
	shift 2
	for s in "$@"; do
		[ "$(moved "$f" "$s" "$p")" = 0 ] || return 1
	done
}

# every service, every protocol it serves: a sample from the start, zero
scrape before
check "from the start: a sample for each service and protocol it serves, 0" test "$(values \
	"netecho_connections_total echo tcp" "netecho_connections_total report tcp" \
	"netecho_datagrams_total echo udp" "netecho_datagrams_total report udp" \
	"netecho_denied_total report udp" "netecho_replies_held_total echo udp")" = "0 0 0 0 0 0"
check "... and the metrics service's connections, TCP only" test \
	"$(v before netecho_connections_total metrics tcp)" != missing -a \
	"$(v before netecho_datagrams_total metrics udp)" = missing
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/before.out" >"$T/promtool.out" 2>&1
	check "promtool check metrics finds nothing wrong" test $? -eq 0 -a ! -s "$T/promtool.out"
else
	skip_part "promtool (Debian package prometheus) is not installed"
fi

# --- a connection to the report service: the report's, not the echo's
scrape before
timeout 10 nc -d 127.0.0.1 $REPORT_PORT >"$T/report.out" || fail "no report over TCP"
await netecho_connections_total report tcp 1
await netecho_sent_bytes_total report tcp "$(wc -c <"$T/report.out")"
check "a report connection: connections_total{service=report} +1, reports_total{tcp} +1" test \
	"$(moved netecho_connections_total report tcp) $(moved netecho_reports_total report tcp)" = "1 1"
check "... echo +0" still netecho_connections_total tcp echo
check "... the report's bytes sent: what nc read ($(wc -c <"$T/report.out")), the echo's +0" test \
	"$(moved netecho_sent_bytes_total report tcp)" = "$(wc -c <"$T/report.out")" -a \
	"$(moved netecho_sent_bytes_total echo tcp)" = 0

# --- an echo connection: the echo's, not the report's
scrape before
printf 'hello counters\n' | timeout 10 nc -N 127.0.0.1 $PORT >"$T/echo.out" ||
	fail "no echo over TCP"
await netecho_connections_total echo tcp 1
await netecho_sent_bytes_total echo tcp "$(wc -c <"$T/echo.out")"
await netecho_received_bytes_total echo tcp 15
check "an echo connection: connections_total{service=echo} +1, report +0" test \
	"$(moved netecho_connections_total echo tcp) $(moved netecho_connections_total report tcp)" = "1 0"
check "... its bytes: 15 in, $(wc -c <"$T/echo.out") out, under echo; report +0" test "$(deltas \
	"netecho_received_bytes_total echo tcp" "netecho_sent_bytes_total echo tcp" \
	"netecho_received_bytes_total report tcp" "netecho_sent_bytes_total report tcp")" = \
	"15 $(wc -c <"$T/echo.out") 0 0"
check "... no report sent" still netecho_reports_total tcp report

# --- denied connections: each under its own service
scrape before
out=$(printf 'x' | timeout 10 nc -N -s 127.0.0.3 127.0.0.1 $PORT | wc -c)
await netecho_denied_total echo tcp 1
check "a connection the echo's list denies: denied_total{echo,tcp} +1 (it read $out bytes)" \
	test "$(moved netecho_denied_total echo tcp) $out" = "1 0"
check "... report +0, and no echo connection served" test \
	"$(moved netecho_denied_total report tcp) $(moved netecho_connections_total echo tcp)" = "0 0"
scrape before
out=$(timeout 10 nc -d -s 127.0.0.2 127.0.0.1 $REPORT_PORT | wc -c)
await netecho_denied_total report tcp 1
check "a connection the report's list denies: denied_total{report,tcp} +1 (it read $out bytes)" \
	test "$(moved netecho_denied_total report tcp) $out" = "1 0"
check "... echo +0, no report sent" test \
	"$(moved netecho_denied_total echo tcp) $(moved netecho_reports_total report tcp)" = "0 0"

# --- a PROXY header from a client not in proxy_from: the echo's PROXY error
scrape before
printf 'PROXY TCP4 192.0.2.1 127.0.0.1 1234 %s\r\nhello\n' $PORT |
	timeout 10 nc -N 127.0.0.1 $PORT >"$T/proxy.out"
await netecho_proxy_errors_total echo tcp 1
check "a PROXY header the echo refuses: proxy_errors_total{echo} +1, report +0, nothing echoed" \
	test "$(deltas "netecho_proxy_errors_total echo tcp" \
	"netecho_proxy_errors_total report tcp")" = "1 0" -a ! -s "$T/proxy.out"

# --- UDP: datagrams to the echo and to the report apart
scrape before
reply=$(udp_ask $PORT 'ping %s' counters) || fail "no UDP echo"
await netecho_datagrams_total echo udp 1
await netecho_received_bytes_total echo udp 13
check "a datagram to the echo: datagrams_total{echo} +1, 13 bytes; report +0 ($reply)" test \
	"$(moved netecho_datagrams_total echo udp) $(moved netecho_received_bytes_total echo udp)" = \
	"1 13" -a "$(moved netecho_datagrams_total report udp)" = 0
quiet_rest() {
	still netecho_received_bytes_total udp report && still netecho_replies_held_total udp echo report
}
check "... report bytes +0, nothing held" quiet_rest
scrape before
udp_ask $REPORT_PORT '%01200d' 0 >"$T/udpreport.out" || fail "no UDP report"
await netecho_reports_total report udp 1
check "a probe to the report: datagrams_total{report} +1, 1200 bytes, a report sent" test "$(deltas \
	"netecho_datagrams_total report udp" "netecho_received_bytes_total report udp" \
	"netecho_reports_total report udp")" = "1 1200 1"
check "... echo +0" still netecho_datagrams_total udp echo
scrape before
printf 'x' | timeout 10 nc -u -w 1 127.0.0.1 $REPORT_PORT >/dev/null
await netecho_replies_held_total report udp 1
check "a probe too small to report: replies_held_total{report} +1, echo +0" test \
	"$(moved netecho_replies_held_total report udp) $(moved netecho_replies_held_total echo udp)" = "1 0"

# --- denied datagrams
scrape before
printf 'x' | timeout 10 nc -u -w 1 -s 127.0.0.3 127.0.0.1 $PORT >/dev/null
await netecho_denied_total echo udp 1
check "a datagram the echo's list denies: denied_total{echo,udp} +1, report +0, not received" \
	test "$(deltas "netecho_denied_total echo udp" "netecho_denied_total report udp" \
	"netecho_datagrams_total echo udp")" = "1 0 0"
scrape before
printf 'x' | timeout 10 nc -u -w 1 -s 127.0.0.2 127.0.0.1 $REPORT_PORT >/dev/null
await netecho_denied_total report udp 1
check "a datagram the report's list denies: denied_total{report,udp} +1, echo +0" test \
	"$(moved netecho_denied_total report udp) $(moved netecho_denied_total echo udp)" = "1 0"

# --- a connection held open: the echo's active, not the report's
coproc HELD { timeout 20 nc 127.0.0.1 $PORT; }
held=$HELD_PID         # (bash unsets HELD_PID once it has reaped the coprocess)
BG_PIDS="$BG_PIDS $held"
echo "one" >&"${HELD[1]}"
read -r -t 10 line <&"${HELD[0]}" || fail "the held echo connection did not answer"
# echo_active N: scrapes "after" until the echo has N connections open
# (10 s at most)
echo_active() {
	local i
	for i in $(seq 100); do
		scrape after
		[ "$(v after netecho_connections_active echo tcp)" = "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
check "a connection held open: connections_active{echo} 1 ($line)" echo_active 1
check "... report 0, metrics at least this scrape" test \
	"$(v after netecho_connections_active report tcp)" = 0 -a \
	"$(v after netecho_connections_active metrics tcp)" -ge 1
# the connection threads: the held connection's serving; once it ended,
# its thread waits in the cache ([tcp] thread_cache, 64 by default)
threads() { awk -v n="netecho_connection_threads{state=\"$2\"}" '$1 == n { print $2 }' \
	"$T/$1.out"; }
# (a scrape's own connection passes through a connection thread, which
# may not be back in the cache yet when the text is written: so each
# waits, bounded, for the count it asserts; and every scrape leaves a
# thread cached, so the held one's is seen as one more than before)
# serving_cached SERVING CACHED_AT_LEAST: scrapes "after" until so
# (10 s at most)
serving_cached() {
	local i
	for i in $(seq 100); do
		scrape after
		[ "$(threads after serving)" = "$1" ] &&
			[ "$(threads after cached)" -ge "$2" ] && return 0
		sleep 0.1
	done
	return 1
}
check "... its thread serving: connection_threads{serving} 1" serving_cached 1 0
cached=$(threads after cached)
kill "$held" 2>/dev/null
wait "$held" 2>/dev/null
check "the held connection ended: connections_active{echo} 0" echo_active 0
check "... its thread cached: connection_threads{serving} 0, cached $cached + 1" \
	serving_cached 0 $((cached + 1))
all=$(awk '$1 == "netecho_threads" { print $2 }' "$T/after.out")
check "... serving and cached ($(threads after cached)) <= all threads ($all)" \
	test "$(($(threads after serving) + $(threads after cached)))" -le "$all"

# --- the stats line's totals are the sums over the services (no traffic
# but the scrapes, which are TCP connections of the metrics service)
scrape after
sum() { awk -v f="$1" -v p="protocol=\"$2\"" 'index($1, f "{") == 1 && index($1, p) { s += $2 }
	END { print s + 0 }' "$T/after.out"; }
stats="$(stats_value udp_datagrams) $(stats_value udp_denied) $(stats_value tcp_denied)"
stats="$stats $(stats_value reports)"
sums="$(sum netecho_datagrams_total udp) $(sum netecho_denied_total udp)"
sums="$sums $(sum netecho_denied_total tcp)"
sums="$sums $(($(sum netecho_reports_total tcp) + $(sum netecho_reports_total udp)))"
check "stats line: udp_datagrams, udp_denied, tcp_denied, reports ($stats): the sums of /metrics" \
	test "$stats" = "$sums"
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
