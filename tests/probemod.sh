#!/bin/bash
# probemod: [metrics] modules, over real HTTP (curl) to a real netechod:
# "module = NAME PROBER [count=N] [interval=S] [dscp=N]" picked by
# /probe?module=NAME with its settings (round trips, datagrams, the DSCP
# the path probe's SYN carries: counted by nft on the way out), the
# built-in tcp, udp and path unchanged beside them, an unknown module 400
# with a plain message, a bad module FILE:LINE and exit 78 (a reload with
# one is refused, the modules before kept), and a reload that adds and
# removes modules applies to the next /probe.
. "${top_srcdir:-.}/tests/lib.sh"

command -v curl >/dev/null || skip "curl is not installed"
MPORT=7210
URL=http://127.0.0.1:$MPORT
# get PATH: the body on stdout, the status in $T/status
get() {
	curl -s -m 20 -o - -w '%{stderr}%{http_code}' "$URL$1" 2>"$T/status"
}
status() { cat "$T/status"; }
value() { awk -v n="$1" '$1 == n { print $2 }' "$2"; }
metrics_conf() {
	base_conf
	printf '[metrics]\nenabled = yes\nport = %s\nprobe_allow = 127.0.0.1\n' $MPORT
	printf 'probe_rate = 100\nprobe_count = 5\n'
	printf '%s\n' "$@"
}

# bad modules: one FILE:LINE each, exit 78 before anything is bound
bad=$(metrics_conf 'module = a path count=3' 'module = udp udp' 'module = b tcp' \
	'module = b udp' 'module = c path dscp=64' | conf bad)
"$NETECHOD" -f -c "$bad" >"$T/bad.out" 2>"$T/bad.err"
check "bad modules: exit status 78 (EX_CONFIG)" test $? -eq 78
cat >"$T/bad.expected" <<EXPECTED
$bad:12: module: count is for tcp and udp, interval for udp, dscp for path, as is pmtu
$bad:13: module: tcp, udp and path are built in: give the module another name
$bad:15: module b: defined twice (first on line 14)
$bad:16: module: dscp is a number from 0 to 63
EXPECTED
check "bad modules: one FILE:LINE line each, nothing else" diff -u "$T/bad.expected" "$T/bad.err"

cfg=$(metrics_conf 'module = quick tcp count=2' 'module = cs0 path dscp=0' \
	'module = few udp count=3 interval=0.2' | conf mods)
start_daemon "$cfg"

get "/probe?target=127.0.0.1:$PORT&module=quick" >"$T/quick.out"
check "module quick (tcp count=2): 200, success, 2 round trips" test \
	"$(status) $(value probe_success "$T/quick.out") $(value probe_tcp_round_trips "$T/quick.out")" \
	= "200 1 2"
get "/probe?target=127.0.0.1:$PORT&module=tcp" >"$T/tcp.out"
check "built-in tcp beside it: probe_count's 5 round trips" test \
	"$(status) $(value probe_success "$T/tcp.out") $(value probe_tcp_round_trips "$T/tcp.out")" \
	= "200 1 5"
get "/probe?target=127.0.0.1:$REPORT_PORT&module=few" >"$T/few.out"
check "module few (udp count=3): 200, success, 3 sent, 3 arrived" test \
	"$(status) $(value probe_success "$T/few.out") $(value probe_udp_sent "$T/few.out") $(value probe_udp_arrived "$T/few.out")" \
	= "200 1 3 3"

# the DSCP on the wire: nft counts the SYNs to the report service by DSCP
have_nft=0
if command -v nft >/dev/null && nft add table inet pm 2>/dev/null; then
	nft add chain inet pm out '{ type filter hook output priority 0; }' &&
	nft add rule inet pm out tcp dport $REPORT_PORT 'tcp flags & (syn | ack) == syn' \
		ip dscp 0 counter &&
	nft add rule inet pm out tcp dport $REPORT_PORT 'tcp flags & (syn | ack) == syn' \
		ip dscp ef counter && have_nft=1
fi
# syns: the SYNs counted with DSCP 0, then with EF
syns() {
	nft list chain inet pm out | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | tr '\n' ' '
}
get "/probe?target=127.0.0.1:$REPORT_PORT&module=cs0" >"$T/cs0.out"
check "module cs0 (path dscp=0): 200, success, DSCP 0 sent and seen" test \
	"$(status) $(value probe_success "$T/cs0.out") $(value probe_path_dscp_sent "$T/cs0.out") $(value probe_path_dscp_seen "$T/cs0.out")" \
	= "200 1 0 0"
if [ $have_nft = 1 ]; then
	check "... on the wire: one SYN with DSCP 0, none with EF" test "$(syns)" = "1 0 "
fi
get "/probe?target=127.0.0.1:$REPORT_PORT&module=path" >"$T/path.out"
check "built-in path beside it: DSCP 46 sent and seen" test \
	"$(status) $(value probe_path_dscp_sent "$T/path.out") $(value probe_path_dscp_seen "$T/path.out")" \
	= "200 46 46"
if [ $have_nft = 1 ]; then
	check "... on the wire: then one SYN with EF" test "$(syns)" = "1 1 "
else
	skip_part "nft cannot make a table here: no count of SYNs by DSCP"
fi

get "/probe?target=127.0.0.1:$PORT&module=nosuch" >"$T/nosuch.out"
check "an unknown module: 400" test "$(status)" = 400
check "... with a plain message naming the modules" \
	grep -q '^no such module: tcp, udp, path or one of \[metrics\] module' "$T/nosuch.out"
check "... as text/plain" test "$(curl -s -m 10 -o /dev/null -w '%{content_type}' \
	"$URL/probe?target=127.0.0.1:$PORT&module=nosuch" | cut -d';' -f1)" = text/plain

# reload: a bad module is refused and the modules before stay
echo 'module = worse tcp count=1000' >>"$cfg"
m=$(mark "$T/d.err")
reload 'reload refused'
check "a reload with a bad module: refused, naming FILE:LINE" test \
	"$(count_after "$T/d.err" "$m" "$cfg:15: module: count is a number from 1 to 100")" -ge 1
get "/probe?target=127.0.0.1:$PORT&module=quick" >/dev/null
check "... module quick still there (200)" test "$(status)" = 200
# reload: one added, one removed
sed -i -e '$d' -e 's/^module = quick tcp count=2$/module = later tcp count=4/' "$cfg"
get "/probe?target=127.0.0.1:$PORT&module=later" >/dev/null
check "before the reload: module later unknown (400)" test "$(status)" = 400
reload
get "/probe?target=127.0.0.1:$PORT&module=later" >"$T/later.out"
check "after it: module later (tcp count=4) runs 4 round trips" test \
	"$(status) $(value probe_success "$T/later.out") $(value probe_tcp_round_trips "$T/later.out")" \
	= "200 1 4"
get "/probe?target=127.0.0.1:$PORT&module=quick" >/dev/null
check "... and module quick, removed, is unknown (400)" test "$(status)" = 400
stop_daemon
check "exit 0" test "$DSTATUS" -eq 0
