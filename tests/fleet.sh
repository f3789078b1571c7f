#!/bin/bash
# fleet: a real Prometheus (1 s scrapes, its own data directory) scrapes a
# netechod in this namespace that probes three others through a router
# (nftables): S1 on a clean path, S2 behind a rule that remarks DSCP to
# CS0 and clamps the SYN's MSS to 1,300, S3 behind one that drops 20% of
# what goes to it (numgen). Asserted through Prometheus's HTTP API, in
# PromQL, on the series it stored: probe_success 1 on every path, DSCP
# seen 0 on S2 where 46 was sent (46 on S1), MSS seen 1,300 on S2 (as sent
# on S1), UDP loss between 0.1 and 0.3 to S3 and none to S1. The
# blackbox exporter probes the same echo services in the same run; the
# durations of both are printed. Plain build only: heavy.
. "${top_srcdir:-.}/tests/lib.sh"

[ -z "${SANITIZERS:-}" ] || skip "the lab with Prometheus runs in the plain build only"
for tool in prometheus curl jq nft; do
	command -v $tool >/dev/null || skip "$tool is not installed"
done
ip netns add "fx$$" 2>/dev/null || skip "cannot create named network namespaces here"
ip netns del "fx$$"
R=fr$$ S1=fa$$ S2=fb$$ S3=fc$$
lab_down() { for ns in $R $S1 $S2 $S3; do ip netns del "$ns"; done 2>/dev/null; }
trap 'rc=$?; lab_down; (exit $rc); cleanup' EXIT
in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
build_lab() {
	local i ns
	for ns in $R $S1 $S2 $S3; do ip netns add "$ns" && ip -n "$ns" link set lo up || return 1; done
	ip link add p0 type veth peer name r0 netns $R &&
	ip addr add 10.0.1.2/24 dev p0 && ip link set p0 up &&
	ip -n $R addr add 10.0.1.1/24 dev r0 && ip -n $R link set r0 up &&
	ip route add 10.0.0.0/8 via 10.0.1.1 || return 1
	i=2
	for ns in $S1 $S2 $S3; do
		ip link add s0 netns "$ns" type veth peer name "r$((i - 1))" netns $R &&
		ip -n "$ns" addr add "10.0.$i.2/24" dev s0 && ip -n "$ns" link set s0 up &&
		ip -n $R addr add "10.0.$i.1/24" dev "r$((i - 1))" &&
		ip -n $R link set "r$((i - 1))" up &&
		ip -n "$ns" route add default via "10.0.$i.1" || return 1
		i=$((i + 1))
	done
	in_ns $R sysctl -qw net.ipv4.ip_forward=1 &&
	in_ns $R nft -f - <<'NFT'
table inet lab {
	chain c {
		type filter hook forward priority 0;
		oifname "r2" ip dscp set cs0
		oifname "r2" tcp flags syn tcp option maxseg size set 1300
		oifname "r3" numgen random mod 100 < 20 drop
	}
}
NFT
}
build_lab || fail "building the lab (router and three servers)"
reach() {
	local i
	for i in $(seq 30); do ping -c 1 -W 1 "$1" >/dev/null 2>&1 && return 0; done
	return 1
}
reach 10.0.2.2 && reach 10.0.3.2 || fail "no route through the router"

# a netechod on each server: echo on 7000, report on 7100
i=2
for ns in $S1 $S2 $S3; do
	printf '[server]\nhost = 10.0.%s.2\nport = 7000\n[report]\nport = 7100\n[log]\nlevel = warning\n' \
		$i >"$T/s$i.conf"
	in_ns "$ns" "$NETECHOD" -f -c "$T/s$i.conf" >"$T/s$i.out" 2>"$T/s$i.err" &
	BG_PIDS="$BG_PIDS $!"
	i=$((i + 1))
done
# the prober: this namespace's netechod, probing 10.0.0.0/8 only
cfg=$(base_conf | conf p)
printf '[metrics]\nenabled = yes\nport = 7200\nprobe_allow = 10.0.0.0/8\nprobe_rate = 20\n[log]\nlevel = notice\n' >>"$cfg"
start_daemon "$cfg"
for i in 2 3 4; do
	for _ in $(seq 50); do
		[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' \
			"http://127.0.0.1:7200/probe?target=10.0.$i.2:7100&module=path")" = 200 ] && break
		sleep 0.2
	done
done

cat >"$T/bb.yml" <<'BB'
modules:
  tcp_connect:
    prober: tcp
    timeout: 2s
BB
have_bb=0
if command -v prometheus-blackbox-exporter >/dev/null; then
	prometheus-blackbox-exporter --config.file="$T/bb.yml" \
		--web.listen-address=127.0.0.1:9115 >"$T/bb.out" 2>&1 &
	BG_PIDS="$BG_PIDS $!"
	have_bb=1
fi
# job NAME MODULE INTERVAL PORT: a probe job through the prober's netechod
job() {
	cat <<JOB
  - job_name: $1
    metrics_path: /probe
    params: {module: [$2]}
    scrape_interval: $3
    scrape_timeout: $3
    static_configs:
      - targets: ['10.0.2.2:$4', '10.0.3.2:$4', '10.0.4.2:$4']
    relabel_configs:
      - {source_labels: [__address__], target_label: __param_target}
      - {source_labels: [__param_target], target_label: target}
      - {target_label: __address__, replacement: '127.0.0.1:$5'}
JOB
}
{
	printf 'global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n'
	printf '  - job_name: netecho\n    static_configs:\n      - targets: [127.0.0.1:7200]\n'
	job probe_tcp tcp 2s 7000 7200
	job probe_udp udp 2s 7100 7200
	job probe_path path 1s 7100 7200
	[ $have_bb -eq 0 ] || job blackbox tcp_connect 1s 7000 9115
} >"$T/prometheus.yml"
prometheus --config.file="$T/prometheus.yml" --storage.tsdb.path="$T/data" \
	--web.listen-address=127.0.0.1:9090 >"$T/prom.out" 2>&1 &
BG_PIDS="$BG_PIDS $!"

# q PROMQL: the first result's value (empty when none)
q() {
	curl -s -m 5 --data-urlencode "query=$1" http://127.0.0.1:9090/api/v1/query |
		jq -r '.data.result[0].value[1] // empty' 2>/dev/null
}
# until enough UDP datagrams to S3 have a known fate (bounded: 90 s)
LOSSY='target="10.0.4.2:7100"'
for _ in $(seq 450); do
	n=$(q "sum_over_time(probe_udp_known{$LOSSY}[5m])")
	[ -n "$n" ] && [ "${n%.*}" -ge 150 ] && break
	sleep 0.2
done
echo "# $SECONDS s to 150 datagrams known"
check "Prometheus stored the UDP probes of S3: 150 datagrams known or more (${n:-none})" \
	test -n "$n" -a "${n%.*}" -ge 150
for t in 10.0.2.2 10.0.3.2 10.0.4.2; do
	for m in tcp:7000 udp:7100 path:7100; do
		v=$(q "max_over_time(probe_success{target=\"$t:${m#*:}\",job=\"probe_${m%:*}\"}[5m])")
		check "probe_success 1 to $t (${m%:*})" test "$v" = 1
	done
done
check "S1, clean: DSCP 46 sent, 46 seen" \
	test "$(q 'min_over_time(probe_path_dscp_seen{target="10.0.2.2:7100"}[5m])')" = 46 -a \
	"$(q 'max_over_time(probe_path_dscp_sent{target="10.0.2.2:7100"}[5m])')" = 46
check "S2, remarked: DSCP seen 0 where 46 was sent" \
	test "$(q 'max_over_time(probe_path_dscp_seen{target="10.0.3.2:7100"}[5m])')" = 0 -a \
	"$(q 'min_over_time(probe_path_dscp_sent{target="10.0.3.2:7100"}[5m])')" = 46
check "S2, clamped: MSS seen 1300, sent 1460" \
	test "$(q 'max_over_time(probe_path_mss_seen{target="10.0.3.2:7100"}[5m])')" = 1300 -a \
	"$(q 'min_over_time(probe_path_mss_sent{target="10.0.3.2:7100"}[5m])')" = 1460
check "S1, clean: MSS seen 1460, as sent" \
	test "$(q 'min_over_time(probe_path_mss_seen{target="10.0.2.2:7100"}[5m])')" = 1460
check "one router on the way: hops 1" \
	test "$(q 'max_over_time(probe_path_hops{target="10.0.2.2:7100"}[5m])')" = 1
known=$(q "sum_over_time(probe_udp_known{$LOSSY}[5m])")
arrived=$(q "sum_over_time(probe_udp_arrived{$LOSSY}[5m])")
ratio=$(awk -v k="$known" -v a="$arrived" 'BEGIN { printf "%.3f", (k - a) / k }')
echo "# S3: $arrived of $known datagrams arrived: loss $ratio"
check "S3, 20% dropped: UDP loss ratio between 0.1 and 0.3 ($ratio)" \
	awk -v r="$ratio" 'BEGIN { exit !(r >= 0.1 && r <= 0.3) }'
check "S1, clean: no UDP datagram lost" \
	test "$(q 'sum_over_time(probe_udp_known{target="10.0.2.2:7100"}[5m]) - sum_over_time(probe_udp_arrived{target="10.0.2.2:7100"}[5m])')" = 0 -a \
	"$(q 'sum_over_time(probe_udp_known{target="10.0.2.2:7100"}[5m])')" -gt 0
check "the prober's own /metrics scraped" test "$(q 'up{job="netecho"}')" = 1
if [ $have_bb -eq 1 ]; then
	check "the blackbox exporter reached S1's echo too" \
		test "$(q 'max_over_time(probe_success{job="blackbox",target="10.0.2.2:7000"}[5m])')" = 1
	echo "# S1 echo, mean probe_duration_seconds: netechod tcp (connect + 10 round trips)" \
		"$(q 'avg_over_time(probe_duration_seconds{job="probe_tcp",target="10.0.2.2:7000"}[5m])')," \
		"blackbox tcp_connect $(q 'avg_over_time(probe_duration_seconds{job="blackbox",target="10.0.2.2:7000"}[5m])')"
else
	skip_part "prometheus-blackbox-exporter is not installed"
fi
