#!/bin/sh
# etc/prometheus/netecho-mesh.sh: writes mesh.json, the file_sd targets of
# the netecho_probe job (prometheus.yml), from the host list (with
# -m mtu, mesh-mtu.json: the netecho_probe_mtu job's).
#
#   netecho-mesh.sh [-k PEERS] [-e ECHO_PORT] [-r REPORT_PORT] [-m MODULES] HOSTS.yml >mesh.json
#
# HOSTS.yml is netecho-hosts.yml (one "- HOST:METRICS_PORT" target a
# line, quoted or not: an IPv6 one must be, "- '[2001:db8::1]:9597'"). For each host (the prober) and each module, one target group:
# its peers (every other host, or with -k the next k hosts after it in
# the list, wrapping: each host is then probed by k others, and a round
# costs N*k probes a module instead of N*(N-1)). tcp probes the echo port
# (default 50000), udp and path the report service (default 50001); a
# module of your own is written NAME:PROBER ("tcp_quick:tcp",
# "path_cs1:path") and probes the port its prober does, a bare name of
# your own the report service.
# Modules: default "tcp udp path". Prints JSON; reads no network.
set -eu
k=0 echo_port=50000 report_port=50001 modules="tcp udp path"
while getopts k:e:r:m: o; do
	case $o in
	k) k=$OPTARG ;;
	e) echo_port=$OPTARG ;;
	r) report_port=$OPTARG ;;
	m) modules=$OPTARG ;;
	*) echo "usage: $0 [-k PEERS] [-e ECHO_PORT] [-r REPORT_PORT] [-m MODULES] HOSTS.yml" >&2
	   exit 64 ;;
	esac
done
shift $((OPTIND - 1))
[ $# -eq 1 ] || { echo "usage: $0 [-k PEERS] [-e PORT] [-r PORT] [-m MODULES] HOSTS.yml" >&2; exit 64; }
hosts=$(sed -n 's/^[[:space:]]*-[[:space:]]*["'"'"']\{0,1\}\([^[:space:]#"'"'"']*:[0-9][0-9]*\)["'"'"']\{0,1\}[[:space:]]*$/\1/p' "$1")
n=$(printf '%s\n' "$hosts" | grep -c . || true)
[ "$n" -ge 2 ] || { echo "$0: $1: fewer than two hosts (HOST:PORT targets)" >&2; exit 65; }
[ "$k" -gt 0 ] && [ "$k" -lt "$n" ] || k=$((n - 1))
printf '['
first=1 i=0
for prober in $hosts; do
	for module in $modules; do
		case $module in
		tcp | *:tcp) port=$echo_port ;;
		*) port=$report_port ;;
		esac
		name=${module%%:*}
		peers="" j=1
		while [ "$j" -le "$k" ]; do
			peer=$(printf '%s\n' "$hosts" | sed -n "$(( (i + j) % n + 1 ))p")
			peers="$peers${peers:+, }\"${peer%:*}:$port\""
			j=$((j + 1))
		done
		[ $first -eq 1 ] || printf ','
		first=0
		printf '\n  {"targets": [%s], "labels": {"prober": "%s", "module": "%s"}}' \
			"$peers" "$prober" "$name"
	done
	i=$((i + 1))
done
printf '\n]\n'
