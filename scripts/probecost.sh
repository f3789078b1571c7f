#!/bin/bash
# scripts/probecost.sh BUILDDIR [N]: what one /probe costs, for README.md's
# "Watching a fleet": in a network namespace of its own, one netechod
# probes itself (the tcp module its echo, the udp and path modules its
# report service) N times (default 100) through its [metrics] /probe; the CPU
# (user + system ticks of the process, /proc/PID/stat) and the packets
# on lo (an nft counter, both ways, the HTTP request's own excluded) are
# divided by N. The prober and the target are one process here: the CPU
# is both ends'. If the blackbox exporter is installed, its tcp_connect
# probe of the same echo is timed beside netechod's, as Prometheus sees
# both (probe_duration_seconds). Figures, never a test.
set -eu
B=$(cd "$1" && pwd)
N=${2:-100}
if [ -z "${PROBECOST_IN_NS:-}" ]; then
	export PROBECOST_IN_NS=1
	exec unshare --net --mount --propagation private -- bash "$0" "$@"
fi
ip link set lo up
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
cat >"$T/n.conf" <<CONF
[server]
host = 127.0.0.1
port = 7000
[report]
port = 7100
[metrics]
enabled = yes
port = 7200
probe_allow = 127.0.0.1
probe_rate = 1000
[log]
level = warning
CONF
"$B/netechod" -f -c "$T/n.conf" 2>"$T/d.err" &
D=$!
sleep 1
nft add table inet pc
nft add chain inet pc c '{ type filter hook output priority 0; }'
nft add rule inet pc c tcp dport 7200 return
nft add rule inet pc c tcp sport 7200 return
nft add rule inet pc c counter
ticks() { awk '{ print $14 + $15 }' "/proc/$D/stat"; }
packets() { nft list chain inet pc c | sed -n 's/.*counter packets \([0-9]*\).*/\1/p'; }
hz=$(getconf CLK_TCK)
for m in tcp:7000 udp:7100 path:7100; do
	mod=${m%:*} port=${m#*:}
	p0=$(packets) t0=$(ticks) s0=$(date +%s.%N)
	for _ in $(seq "$N"); do
		curl -s -o /dev/null "http://127.0.0.1:7200/probe?target=127.0.0.1:$port&module=$mod"
	done
	p1=$(packets) t1=$(ticks) s1=$(date +%s.%N)
	awk -v m="$mod" -v n="$N" -v p="$((p1 - p0))" -v t="$((t1 - t0))" -v hz="$hz" \
		-v s="$(echo "$s1 - $s0" | bc)" 'BEGIN {
		printf "%s: %.1f packets and %.2f ms of CPU a probe (%d probes in %.1f s)\n",
			m, p / n, t * 1000 / hz / n, n, s }'
done
curl -s "http://127.0.0.1:7200/probe?target=127.0.0.1:7000&module=tcp" |
	awk '$1 == "probe_duration_seconds" { printf "netechod tcp probe_duration_seconds: %s\n", $2 }'
if command -v prometheus-blackbox-exporter >/dev/null; then
	printf 'modules:\n  tcp_connect:\n    prober: tcp\n    timeout: 5s\n' >"$T/bb.yml"
	prometheus-blackbox-exporter --config.file="$T/bb.yml" \
		--web.listen-address=127.0.0.1:9115 >"$T/bb.out" 2>&1 &
	sleep 1
	curl -s "http://127.0.0.1:9115/probe?target=127.0.0.1:7000&module=tcp_connect" |
		awk '$1 == "probe_duration_seconds" { printf "blackbox tcp_connect probe_duration_seconds: %s\n", $2 }'
fi
