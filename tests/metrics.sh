#!/bin/bash
# metrics: the [metrics] service, over real HTTP (curl) to a real netechod.
# Off by default; on, /metrics passes promtool check metrics and counts
# what the daemon did; /probe runs the tcp module against the echo and the
# udp module against the report service, and says so in Prometheus's
# format; a target outside probe_allow gets 403 and not one packet leaves
# for it (an nft counter on the way out), and a reload that lets it in
# lets the next probe through (the counter moves: it counts); a bad query
# 400, another path 404, another method 405; [metrics] allow denies; and
# many /probe requests at once are bounded: threads and descriptors stay
# within the limits, refusals are 503, and the echo keeps serving; a stop
# does not wait for the probes running.
. "${top_srcdir:-.}/tests/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
MPORT=7200
URL=http://127.0.0.1:$MPORT
metrics_conf() {
	base_conf
	printf '[metrics]\nenabled = yes\nport = %s\n' $MPORT
	printf '%s\n' "$@"
}
# get PATH [CURL ARGS...]: the body on stdout, the status in $T/status
get() {
	local path=$1
	shift
	curl -s -m 20 -o - -w '%{stderr}%{http_code}' "$@" "$URL$path" 2>"$T/status"
}
status() { cat "$T/status"; }
# get_again PATH: get, tried again for a few seconds while refused (the
# HTTP connections of requests just answered may not all be closed yet)
get_again() {
	local i
	for i in $(seq 20); do
		get "$1" && [ "$(status)" = 200 ] && return 0
		sleep 0.5
	done
	return 1
}
# value NAME FILE: the value of the sample NAME (with its labels) in FILE
value() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }

# off by default: the daemon binds no metrics port
cfg=$(base_conf | conf off)
start_daemon "$cfg"
check "off by default: no metrics listener in the log" test "$(grep -c "(metrics)" "$T/d.err")" -eq 0
curl -s -m 5 "$URL/metrics" >/dev/null 2>&1
check "off by default: nothing answers on the metrics port" test $? -eq 7
stop_daemon

# at log level notice (no close line to read TCP_INFO for) the RTT
# histogram counts every connection all the same
cfg=$(metrics_conf | conf quiet)
start_daemon "$cfg" -o log.level=notice
"$ECHOCHECK" -p $PORT -c 2 -n 2 -P 'Receive: ' >"$T/check.out" 2>&1 || fail "echo, quiet"
get /metrics >"$T/quiet.out"
check "level notice: the RTT histogram counts the 2 connections" \
	test "$(value 'netecho_tcp_rtt_seconds_count{service="echo"}' "$T/quiet.out")" -ge 2
stop_daemon

cfg=$(metrics_conf 'probe_allow = 127.0.0.1' 'probe_count = 5' | conf on)
start_daemon "$cfg"
check "on: it listens on its own port of 127.0.0.1" \
	grep -q "listening on tcp 127.0.0.1:$MPORT (metrics)" "$T/d.err"
"$ECHOCHECK" -p $PORT -c 3 -n 4 -P 'Receive: ' >"$T/check.out" 2>&1 || fail "echo before the scrape"
get /metrics >"$T/m1.out"
check "GET /metrics: 200" test "$(status)" = 200
check "the text format's content type" \
	test "$(curl -s -m 10 -o /dev/null -w '%{content_type}' "$URL/metrics")" = \
	'text/plain; version=0.0.4; charset=utf-8'
if command -v promtool >/dev/null; then
	promtool check metrics <"$T/m1.out" >"$T/promtool.out" 2>&1
	check "promtool check metrics finds nothing wrong" test $? -eq 0 -a ! -s "$T/promtool.out"
else
	skip_part "promtool (Debian package prometheus) is not installed"
fi
check "every family has HELP and TYPE" test \
	"$(grep -c '^# HELP ' "$T/m1.out")" -eq "$(grep -c '^# TYPE ' "$T/m1.out")" -a \
	"$(grep -c '^# TYPE ' "$T/m1.out")" -ge 15
check "it counts the 3 echo connections served before" \
	test "$(value 'netecho_connections_total{service="echo",protocol="tcp"}' "$T/m1.out")" -ge 3
check "the histograms count those 3 connections: duration, and the kernel's RTT at close" \
	test "$(value 'netecho_tcp_connection_duration_seconds_count{service="echo"}' "$T/m1.out")" -ge 3 -a \
	"$(value 'netecho_tcp_rtt_seconds_count{service="echo"}' "$T/m1.out")" -ge 3 -a \
	"$(value 'netecho_tcp_rtt_seconds_bucket{service="echo",le="+Inf"}' "$T/m1.out")" = \
	"$(value 'netecho_tcp_rtt_seconds_count{service="echo"}' "$T/m1.out")"
check "netecho_build_info names the version" \
	grep -Eq '^netecho_build_info\{version="[0-9.]+"\} 1$' "$T/m1.out"
check "threads and descriptors: what /proc says" \
	test "$(value netecho_threads "$T/m1.out")" -ge 3 -a "$(value netecho_open_fds "$T/m1.out")" -ge 5

# /probe, tcp: 5 round trips to the echo
m=$(mark "$T/d.err")
get "/probe?target=127.0.0.1:$PORT&module=tcp" >"$T/tcp.out"
check "probe tcp: 200, success" test "$(status)" = 200 -a "$(value probe_success "$T/tcp.out")" = 1
check "probe tcp: 5 round trips" test "$(value probe_tcp_round_trips "$T/tcp.out")" = 5
wait_after "$T/d.err" "$m" 'tcp data .*netecho probe [0-9a-f]{16} 4'
ok "probe tcp: the echo saw the probe's lines"
# /probe, udp: 5 datagrams to the report service, every one reported
get "/probe?target=127.0.0.1:$REPORT_PORT&module=udp" >"$T/udp.out"
check "probe udp: 200, success" test "$(status)" = 200 -a "$(value probe_success "$T/udp.out")" = 1
check "probe udp: 5 sent, 5 known, 5 arrived, loss 0" test \
	"$(value probe_udp_sent "$T/udp.out") $(value probe_udp_known "$T/udp.out") $(value probe_udp_arrived "$T/udp.out") $(value probe_udp_loss_ratio "$T/udp.out")" = "5 5 5 0"
# /probe, path: the report on a SYN marked EF, nothing on the way
get "/probe?target=127.0.0.1:$REPORT_PORT&module=path" >"$T/path.out"
check "probe path: 200, success" test "$(status)" = 200 -a "$(value probe_success "$T/path.out")" = 1
check "probe path: DSCP 46 sent and seen, MSS seen as sent, 0 hops, no NAT, port kept" test \
	"$(value probe_path_dscp_sent "$T/path.out") $(value probe_path_dscp_seen "$T/path.out") $(value probe_path_hops "$T/path.out") $(value probe_path_nat "$T/path.out") $(value probe_path_port_preserved "$T/path.out")" = "46 46 0 0 1" -a \
	"$(value probe_path_mss_sent "$T/path.out")" = "$(value probe_path_mss_seen "$T/path.out")"
if command -v promtool >/dev/null; then
	check "promtool check metrics: the probes' answers too" \
		sh -c "promtool check metrics <'$T/tcp.out' && promtool check metrics <'$T/udp.out' && promtool check metrics <'$T/path.out'"
fi

# outside probe_allow: 403, and not one packet for it
if command -v nft >/dev/null && nft add table inet mt 2>/dev/null; then
	nft add chain inet mt out '{ type filter hook output priority 0; }'
	nft add rule inet mt out ip daddr 127.0.0.2 counter
	sent2() { nft list chain inet mt out | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
	get "/probe?target=127.0.0.2:$PORT&module=tcp" >"$T/forbidden.out"
	check "outside probe_allow: 403" test "$(status)" = 403
	get "/probe?target=127.0.0.2:$REPORT_PORT&module=udp" >/dev/null
	check "outside probe_allow: not one packet to the target (tcp, udp)" test "$(sent2)" = 0
	sed -i 's/^probe_allow = .*/probe_allow = 127.0.0.1, 127.0.0.2/' "$cfg"
	reload
	get "/probe?target=127.0.0.2:$PORT&module=tcp" >"$T/allowed.out"
	check "a reload that allows it: the next probe goes (200, nothing listens there: no success)" \
		test "$(status)" = 200 -a "$(value probe_success "$T/allowed.out")" = 0
	check "... and the counter saw its packets" test "$(sent2)" -gt 0
	sed -i 's/^probe_allow = .*/probe_allow = 127.0.0.1/' "$cfg"
	reload
else
	skip_part "nft cannot make a table here: no packet count"
	get "/probe?target=127.0.0.2:$PORT&module=tcp" >"$T/forbidden.out"
	check "outside probe_allow: 403" test "$(status)" = 403
fi
get /metrics >"$T/m2.out"
check "the refusal is counted" \
	test "$(value 'netecho_probes_total{result="forbidden"}' "$T/m2.out")" -ge 1
check "the last reload: committed (1), at or after the start" \
	test "$(value netecho_config_last_reload_successful "$T/m2.out")" = 1 -a \
	"$(value netecho_config_last_reload_success_timestamp_seconds "$T/m2.out")" -ge \
	"$(value netecho_metrics_start_time_seconds "$T/m2.out")"
echo 'not a key value line' >>"$cfg"
signal_and_wait HUP "reload refused"
get_again /metrics >"$T/m2b.out" || fail "/metrics after a refused reload"
check "a refused reload: netecho_config_last_reload_successful 0" \
	test "$(value netecho_config_last_reload_successful "$T/m2b.out")" = 0
sed -i '$d' "$cfg"
reload
get_again /metrics >"$T/m2c.out" || fail "/metrics after a reload"
check "the next committed reload: 1 again" \
	test "$(value netecho_config_last_reload_successful "$T/m2c.out")" = 1

get "/probe?target=example.org:7" >/dev/null
check "a name as target: 400" test "$(status)" = 400
# 0.0.0.0 and :: are this host to connect(), whatever the list says of them;
# a multicast or broadcast target reaches many: 400 even when listed
sed -i 's/^probe_allow = .*/probe_allow = 127.0.0.1, 0.0.0.0, ::, 224.0.0.1/' "$cfg"
reload
m=$(mark "$T/d.err")
bad=
for t in "0.0.0.0:$PORT" "%5B%3A%3Affff%3A0.0.0.0%5D:$PORT" "%5B%3A%3A%5D:$PORT" \
	"224.0.0.1:$REPORT_PORT&module=udp"; do
	get "/probe?target=$t" >/dev/null
	[ "$(status)" = 400 ] || bad="$bad $t:$(status)"
done
check "0.0.0.0, ::ffff:0.0.0.0, :: and multicast as targets, though listed: 400 ($bad )" \
	test -z "$bad"
check "... and not one of them reached this host's echo" \
	test "$(tail -n +"$((m + 1))" "$T/d.err" | grep -Ec 'tcp (open|data|close) peer')" -eq 0
sed -i 's/^probe_allow = .*/probe_allow = 127.0.0.1/' "$cfg"
reload
get "/probe?target=127.0.0.1:$PORT&module=icmp" >/dev/null
check "an unknown module: 400" test "$(status)" = 400
get "/nothing" >/dev/null
check "another path: 404" test "$(status)" = 404
get /metrics -X POST -d x >/dev/null
check "another method: 405" test "$(status)" = 405
check "nothing of that reached the log unescaped (no raw query)" \
	test "$(grep -c 'example.org' "$T/d.err")" -eq 0
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0

# a stop while probes run (a silent port, Prometheus's timeout of 60 s: a
# 30 s budget each): the probes end at once and so does the daemon
cfg=$(metrics_conf 'probe_allow = 127.0.0.1' | conf stop)
start_daemon "$cfg"
for i in 1 2; do
	curl -s -m 60 -o /dev/null -H 'X-Prometheus-Scrape-Timeout-Seconds: 60' \
		"$URL/probe?target=127.0.0.1:9&module=udp" &
done
curl -s -m 60 -o /dev/null -H 'X-Prometheus-Scrape-Timeout-Seconds: 60' \
	"$URL/probe?target=127.0.0.1:9&module=tcp" &
running() { get /metrics | grep -q '^netecho_probes_running 2$'; }
for i in $(seq 40); do running && break; sleep 0.25; done
running || fail "the 2 udp probes were not seen running"
timed stop_daemon
check "a stop with probes running takes seconds, not their budget (${ELAPSED_MS} ms)" \
	test "$ELAPSED_MS" -lt 15000 -a "$DSTATUS" -eq 0
wait

# [metrics] allow: another network only: a local client is denied
cfg=$(metrics_conf 'allow = 192.0.2.0/24' | conf deny)
start_daemon "$cfg"
m=$(mark "$T/d.err")
curl -s -m 10 "$URL/metrics" >"$T/denied.out" 2>&1
check "[metrics] allow: a client outside gets nothing" test ! -s "$T/denied.out"
wait_after "$T/d.err" "$m" 'metrics tcp denied peer=127.0.0.1'
ok "[metrics] allow: the denial is logged as the metrics service's"
stop_daemon

# many /probe requests at once: each a udp probe of a port where nothing
# answers, so that it takes its whole budget (1.5 s: Prometheus's 2 s
# scrape timeout less the margin); probe_max 8 run, the rest are told 503,
# or find the 32 HTTP connections taken and are closed at once
N=1000
[ -z "${SANITIZERS:-}" ] || N=200     # the sanitizers' slower daemon: fewer
cfg=$(metrics_conf 'probe_allow = 127.0.0.1' 'probe_rate = 1000' 'probe_max = 8' \
	'max_connections = 32' | sed 's/^\[server\]$/[tcp]\nmax_connections = 64\n[server]/' |
	conf storm)
start_daemon "$cfg"
base_threads=$(threads "$DPID")
base_fds=$(ls "/proc/$DPID/fd" | wc -l)
( while kill -0 "$DPID" 2>/dev/null; do
	echo "$(threads "$DPID") $(ls "/proc/$DPID/fd" 2>/dev/null | wc -l)"
	sleep 0.05
  done ) >"$T/peak.out" &
SAMPLER=$!
BG_PIDS="$BG_PIDS $SAMPLER"
for _ in $(seq $N); do
	curl -s -m 30 -o /dev/null -w '%{http_code}\n' \
		-H 'X-Prometheus-Scrape-Timeout-Seconds: 2' \
		"$URL/probe?target=127.0.0.1:7999&module=udp" >>"$T/codes.out" 2>/dev/null &
done
"$ECHOCHECK" -p $PORT -c 5 -n 5 -P 'Receive: ' >"$T/storm-echo.out" 2>&1
echo_rc=$?
wait_curls() {
	local i
	for i in $(seq 600); do
		[ "$(wc -l <"$T/codes.out")" -ge $N ] && return 0
		sleep 0.1
	done
	return 1
}
check "all $N requests answered or closed within a minute" wait_curls
check "the echo kept serving during them" test $echo_rc -eq 0
sort "$T/codes.out" | uniq -c >"$T/codes-count.out"
check "only 200 (probed), 503 (probe_max) or a closed connection (000)" \
	test "$(grep -Evc '^ *[0-9]+ (200|503|000)$' "$T/codes-count.out")" -eq 0
check "some ran, and probe_max told others 503" \
	test "$(grep -Ec ' (200|503)$' "$T/codes-count.out")" -eq 2
read -r peak_threads peak_fds < <(sort -n -k1 "$T/peak.out" | tail -n 1)
peak_fds=$(sort -n -k2 "$T/peak.out" | tail -n 1 | awk '{ print $2 }')
echo "# base threads $base_threads fds $base_fds; peak threads $peak_threads fds $peak_fds"
check "threads stay bounded: base + 64 connections + 32 HTTP + 8" \
	test "$peak_threads" -le $((base_threads + 64 + 32 + 8))
check "descriptors stay bounded: base + 64 + 32 + 8 probes + 8" \
	test "$peak_fds" -le $((base_fds + 64 + 32 + 8 + 8))
get_again /metrics >"$T/m3.out" || fail "/metrics after the storm"
check "the probes counted: ran and busy" \
	test "$(value 'netecho_probes_total{result="ran"}' "$T/m3.out")" -ge 1 -a \
	"$(value 'netecho_probes_total{result="busy"}' "$T/m3.out")" -ge 1
check "no probe left running" test "$(value netecho_probes_running "$T/m3.out")" = 0
"$ECHOCHECK" -p $PORT -c 5 -n 5 -P 'Receive: ' >"$T/after-echo.out" 2>&1
check "the echo serves after them" test $? -eq 0
stop_daemon
check "exit 0 after the storm" test "$DSTATUS" -eq 0

# idle HTTP connections (a client that connects and says nothing): at most
# max_connections held, each for timeout seconds, then /metrics answers
cfg=$(metrics_conf 'max_connections = 32' 'timeout = 2' | conf idle)
start_daemon "$cfg"
base_threads=$(threads "$DPID")
( for _ in $(seq 100); do exec {fd}<>"/dev/tcp/127.0.0.1/$MPORT" || true; done
  echo opened; sleep 30 ) >"$T/idle.out" 2>&1 &
IDLE=$!
BG_PIDS="$BG_PIDS $IDLE"
wait_for "$T/idle.out" opened
idle_threads=$(threads "$DPID")
echo "# base threads $base_threads; with 100 idle connections $idle_threads"
m=$(mark "$T/d.err")
curl -s -m 5 "$URL/metrics" >"$T/full.out" 2>&1
check "the 101st connection is closed at once" test ! -s "$T/full.out"
wait_after "$T/d.err" "$m" 'metrics tcp refused peer=127.0.0.1:[0-9]+: \[metrics\] max_connections are open'
ok "... and that is logged as such"
# a refused connection holds a connection thread until it is closed, so
# the bound is for once the refusals are done (within 10 s on a busy machine)
settled() {
	local i
	for i in $(seq 50); do
		idle_threads=$(threads "$DPID")
		[ "$idle_threads" -le $((base_threads + 64 + 32 + 8)) ] && return 0
		sleep 0.2
	done
	return 1
}
check "100 idle connections: threads bounded by the connection cache, 32 HTTP and 8 ($idle_threads)" \
	settled
answered() {
	local i
	for i in $(seq 20); do
		curl -s -m 2 -o /dev/null "$URL/metrics" && return 0
		sleep 0.5
	done
	return 1
}
check "the idle ones time out: /metrics answers again within seconds" answered
kill "$IDLE"
stop_daemon

# socket activation: the socket named "metrics" is the metrics service's
if command -v systemd-socket-activate >/dev/null; then
	cfg=$(metrics_conf | sed "s/^port = $MPORT$/port = 7299/" | conf act)
	: >"$T/d.err"
	systemd-socket-activate -l 127.0.0.1:$PORT -l 127.0.0.1:$MPORT --fdname=echo:metrics \
		"$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>>"$T/d.err" &
	DPID=$!
	wait_for "$T/d.err" "Listening on 127.0.0.1:$MPORT"
	get_again /metrics >"$T/act.out" || fail "/metrics through the activated socket"
	check "FileDescriptorName=metrics: the activated socket serves /metrics" \
		grep -q '^netecho_build_info' "$T/act.out"
	check "... and is logged as the metrics service's" \
		grep -q "listening on tcp 127.0.0.1:$MPORT (metrics) (socket-activated, fd 4)" "$T/d.err"
	"$ECHOCHECK" -p $PORT -c 2 -n 2 -P 'Receive: ' >"$T/act-echo.out" 2>&1
	check "the other activated socket is the echo's" test $? -eq 0
	stop_daemon
else
	skip_part "systemd-socket-activate is not installed"
fi
