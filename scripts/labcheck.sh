#!/bin/bash
# labcheck.sh BUILDDIR [RUNS]: the path MTU under random loss, checked
# against a packet capture on the server's side. A chain of two routers
# (client - R1 - R2 - server, network namespaces, private addresses only);
# R2's link to the server has MTU 1400 and R2 sends ICMP "frag needed", so
# the path MTU is 1400. R1 drops 20% at random (nft numgen), first towards
# the server only, then both ways. Each run of
#   netecho --path --pmtu --json 10.89.2.1 7001
# is judged: a pmtu of null or 1400 holds; any other number is wrong, and
# the largest Don't Fragment probe the server's capture saw arrive is
# printed beside it. Needs root, nft, jq and tcpdump; leaves nothing behind.
set -u
build=${1:?usage: labcheck.sh BUILDDIR [RUNS]}
runs=${2:-8}
[ "$(id -u)" -eq 0 ] || { echo "labcheck: needs root" >&2; exit 1; }
for t in nft jq tcpdump; do
	command -v $t >/dev/null || { echo "labcheck: needs $t" >&2; exit 1; }
done
work=$(mktemp -d)
NS=(lcc$$ lc1$$ lc2$$ lcs$$)
dpid=
down() {
	[ -n "$dpid" ] && kill "$dpid" 2>/dev/null
	wait 2>/dev/null
	for n in "${NS[@]}"; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$work"
}
trap down EXIT
inn() { local i=$1; shift; ip netns exec "${NS[$i]}" "$@"; }
for n in "${NS[@]}"; do ip netns add "$n" && ip -n "$n" link set lo up || exit 1; done
for i in 0 1 2; do
	ip link add a$i netns "${NS[$i]}" type veth peer name b$i netns "${NS[$((i + 1))]}" &&
	ip -n "${NS[$i]}" addr add 10.89.$i.2/24 dev a$i &&
	ip -n "${NS[$((i + 1))]}" addr add 10.89.$i.1/24 dev b$i &&
	ip -n "${NS[$i]}" link set a$i up && ip -n "${NS[$((i + 1))]}" link set b$i up &&
	ip -n "${NS[$i]}" route add default via 10.89.$i.1 || exit 1
done
ip -n "${NS[2]}" route add 10.89.0.0/24 via 10.89.1.2 &&
ip -n "${NS[3]}" route add default via 10.89.2.2 || exit 1
inn 1 sysctl -qw net.ipv4.ip_forward=1 && inn 2 sysctl -qw net.ipv4.ip_forward=1 || exit 1
inn 2 ip link set a2 mtu 1400 && inn 3 ip link set b2 mtu 1400 || exit 1
for _ in $(seq 20); do inn 0 ping -c 1 -W 1 10.89.2.1 >/dev/null 2>&1 && break; done
printf '[server]\nhost = *\nport = 7000\n[log]\nrate_limit = 0\n' >"$work/d.conf"
ip netns exec "${NS[3]}" "$build/netechod" -f -c "$work/d.conf" >/dev/null 2>"$work/d.err" &
dpid=$!
for _ in $(seq 100); do grep -q started "$work/d.err" && break; sleep 0.05; done
sleep 0.5
wrong=0 total=0
for way in there both; do
	inn 1 nft flush ruleset
	rule='numgen random mod 100 < 20 drop'
	[ $way = there ] && rule="iifname \"b0\" $rule"
	printf 'table ip lab {\nchain f {\ntype filter hook forward priority -150;\n%s\n}\n}\n' \
		"$rule" | inn 1 nft -f - || exit 1
	for k in $(seq "$runs"); do
		# a fresh start: no path MTU cached from the run before
		inn 0 ip route flush cache
		ip netns exec "${NS[3]}" tcpdump --immediate-mode -Z root -U -n -i b2 -w "$work/s.pcap" \
			'udp and dst port 7001' 2>"$work/t.err" &
		tp=$!
		for _ in $(seq 100); do grep -q listening "$work/t.err" && break; sleep 0.1; done
		inn 0 "$build/netecho" --path --pmtu --json 10.89.2.1 7001 >"$work/o.json" 2>"$work/o.err"
		rc=$?
		sleep 0.3
		kill "$tp"; wait "$tp" 2>/dev/null
		got=$(tcpdump -n -v -r "$work/s.pcap" 'ip[6]&0x40!=0' 2>/dev/null |
			sed -n 's/.*proto UDP (17), length \([0-9]*\)).*/\1/p' | sort -n | tail -1)
		v=$(jq -c '[.pmtu, .black_hole, .icmp_mtu]' "$work/o.json" 2>/dev/null)
		pmtu=$(jq -r '.pmtu' "$work/o.json" 2>/dev/null)
		total=$((total + 1))
		verdict=holds
		case $pmtu in null | 1400 | '') ;; *) verdict=WRONG; wrong=$((wrong + 1)) ;; esac
		echo "loss $way, run $k: exit $rc, [pmtu, black_hole, icmp_mtu] = ${v:-none};" \
			"largest DF probe at the server: ${got:-none} bytes: $verdict"
		[ $rc -eq 0 ] || sed 's/^/    /' "$work/o.err"
	done
done
echo "$wrong of $total runs gave a wrong path MTU (the path carries 1400)"
[ "$wrong" -eq 0 ]
