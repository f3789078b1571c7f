#!/bin/bash
# promrules: the files of etc/prometheus work as shipped. promtool finds
# the alert rules well formed and their tests (netecho-rules.test.yml)
# pass; netecho-mesh.sh writes a full mesh (every host probes every other,
# never itself) or k sampled peers (each host probed by exactly k); and a
# real Prometheus given prometheus.yml and that mesh sends each probe to
# the prober's own netechod with the peer as its target (its targets API
# shows the scrape URLs, and the path MTU job's slower interval and longer
# timeout; nothing is scraped: the addresses are of a
# documentation network no route leads to).
. "${top_srcdir:-.}/tests/lib.sh"

P=$top_srcdir/etc/prometheus
command -v promtool >/dev/null || skip "promtool (Debian package prometheus) is not installed"
command -v jq >/dev/null || skip "jq is not installed"

check "promtool check rules: the alert rules are well formed" \
	promtool check rules "$P/netecho-rules.yml"
# promtool test rules reads the rules beside the test file
cp "$P/netecho-rules.yml" "$P/netecho-rules.test.yml" "$T/"
check "promtool test rules: every alert fires where it should, and only there" \
	promtool test rules "$T/netecho-rules.test.yml"

printf -- '- targets:\n    - 192.0.2.1:9597\n    - 192.0.2.2:9597\n    - 192.0.2.3:9597\n    - "[2001:db8::4]:9597"\n' \
	>"$T/hosts.yml"
sh "$P/netecho-mesh.sh" "$T/hosts.yml" >"$T/mesh.json" || fail "netecho-mesh.sh failed"
# pairs: "prober module target" lines
pairs() { jq -r '.[] | .labels.prober as $p | .labels.module as $m | .targets[] | "\($p) \($m) \(.)"' "$1"; }
pairs "$T/mesh.json" >"$T/pairs.out"
check "full mesh: 4 hosts, 3 modules: 4 x 3 x 3 probes" test "$(wc -l <"$T/pairs.out")" -eq 36
check "full mesh: no host probes itself" \
	test "$(awk '{ p = $1; sub(/:[0-9]+$/, "", p); t = $3; sub(/:[0-9]+$/, "", t); if (p == t) n++ } END { print n + 0 }' "$T/pairs.out")" -eq 0
check "full mesh: tcp to the echo port, udp and path to the report service" \
	test "$(grep -c ' tcp .*:50000$' "$T/pairs.out")" -eq 12 -a \
	"$(grep -Ec ' (udp|path) .*:50001$' "$T/pairs.out")" -eq 24
check "an IPv6 host keeps its brackets" grep -q '^192.0.2.1:9597 tcp \[2001:db8::4\]:50000$' "$T/pairs.out"
sh "$P/netecho-mesh.sh" -k 1 -m 'tcp_quick:tcp path_cs1:path mtu' "$T/hosts.yml" \
	>"$T/mesh3.json" || fail "netecho-mesh.sh with modules of our own failed"
pairs "$T/mesh3.json" >"$T/pairs3.out"
check "modules of our own: NAME:tcp to the echo port, NAME:path and a bare name to the report's" \
	test "$(grep -c ' tcp_quick .*:50000$' "$T/pairs3.out")" -eq 4 -a \
	"$(grep -Ec ' (path_cs1|mtu) .*:50001$' "$T/pairs3.out")" -eq 8 -a \
	"$(wc -l <"$T/pairs3.out")" -eq 12
sh "$P/netecho-mesh.sh" -k 2 -m udp "$T/hosts.yml" >"$T/mesh2.json" || fail "netecho-mesh.sh -k 2 failed"
pairs "$T/mesh2.json" >"$T/pairs2.out"
check "k = 2 sampled: 4 x 2 probes, each host probed by exactly 2 others" \
	test "$(wc -l <"$T/pairs2.out")" -eq 8 -a \
	"$(awk '{ print $3 }' "$T/pairs2.out" | sort | uniq -c | awk '$1 != 2' | wc -l)" -eq 0
printf -- '- targets:\n    - 192.0.2.1:9597\n' >"$T/one.yml"
sh "$P/netecho-mesh.sh" "$T/one.yml" >/dev/null 2>"$T/mesh1.err"
check "one host: refused with status 65 and why" \
	test $? -eq 65 -a "$(grep -c 'fewer than two hosts' "$T/mesh1.err")" -eq 1

if ! command -v prometheus >/dev/null; then
	skip_part "prometheus (Debian package prometheus) is not installed: the relabelling not run"
	exit 0
fi
command -v curl >/dev/null || { skip_part "curl is not installed: the relabelling not run"; exit 0; }
cp "$P/prometheus.yml" "$P/netecho-rules.yml" "$T/"
cp "$T/hosts.yml" "$T/netecho-hosts.yml"
# the path MTU job: one sampled peer a host, module mtu
sh "$P/netecho-mesh.sh" -k 1 -m mtu "$T/hosts.yml" >"$T/mesh-mtu.json" ||
	fail "netecho-mesh.sh -m mtu failed"
check "promtool check config: the scrape configuration is valid" \
	promtool check config "$T/prometheus.yml"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
	--web.listen-address=127.0.0.1:9090 >"$T/prom.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"
# the targets, once discovered (bounded: 30 s on a loaded machine)
for _ in $(seq 150); do
	curl -sf 'http://127.0.0.1:9090/api/v1/targets?state=active' >"$T/targets.json" 2>/dev/null &&
		[ "$(jq '[.data.activeTargets[] | select(.labels.job == "netecho_probe")] | length' \
			"$T/targets.json")" -eq 36 ] &&
		[ "$(jq '[.data.activeTargets[] | select(.labels.job == "netecho_probe_mtu")] | length' \
			"$T/targets.json")" -eq 4 ] && break
	sleep 0.2
done
check "Prometheus discovers the mesh: 36 probe targets, 4 path MTU ones and the 4 hosts' /metrics" \
	test "$(jq '.data.activeTargets | length' "$T/targets.json")" -eq 44
check "the path MTU job: module mtu to the report service, 15 s to answer, every 5 min" \
	test "$(jq -r '.data.activeTargets[] | select(.labels.job == "netecho_probe_mtu") |
		select(.scrapeTimeout == "15s" and .scrapeInterval == "5m" and .labels.module == "mtu"
			and (.scrapeUrl | test("/probe[?]module=mtu&target=.*%3A50001$"))) | .labels.target' \
		"$T/targets.json" | wc -l)" -eq 4
jq -r '.data.activeTargets[] | select(.labels.job == "netecho_probe") |
	"\(.scrapeUrl) \(.labels.instance) \(.labels.target) \(.labels.module) \(.labels.prober // "-")"' \
	"$T/targets.json" | sort >"$T/urls.out"
check "a probe goes to the prober's own netechod, the peer as its target" \
	grep -qx 'http://192.0.2.1:9597/probe?module=tcp&target=192.0.2.2%3A50000 192.0.2.1:9597 192.0.2.2:50000 tcp -' \
	"$T/urls.out"
check "every probe: instance is the prober, target the peer, no prober label left" \
	test "$(awk '{ split($1, u, "/"); if (u[3] != $2 || index($1, "module=" $4 "&") == 0 || $5 != "-") n++ } END { print n + 0 }' "$T/urls.out")" -eq 0
echo "# $CHECKS checks"
