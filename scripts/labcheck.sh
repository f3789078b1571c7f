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
# printed beside it. Then where on the path (--pmtu --hops, two
# bottlenecks: 1000 with ICMP, 800 silent), judged against captures on
# the client and on the second router (below). Needs root, nft, jq and
# tcpdump; leaves nothing behind.
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
	[ -n "${KEEP:-}" ] && echo "kept: $work" || rm -rf "$work"
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

# --- where on the path (--pmtu --hops), no loss: R1's link to R2 at 1000
# with ICMP, R2's link to the server at 800 with R2's ICMP dropped. Judged
# against captures on the client (which ICMPs came, from whom) and on R2
# (its way in, b1, and out, a2): each ICMP "too big" said came from its
# sender with its MTU, and that sender answered "time exceeded" too; the
# black hole said to be after ADDRESS holds when ADDRESS is R2's, the
# probes of pmtu + 1 bytes arrived at R2 and nothing larger than the pmtu
# left it towards the server.
inn 1 nft flush ruleset
inn 2 ip link set a2 mtu 800 && inn 3 ip link set b2 mtu 800 &&
inn 1 ip link set a1 mtu 1000 && inn 2 ip link set b1 mtu 1000 || exit 1
printf 'table ip lab {\nchain o {\ntype filter hook output priority 0;\n%s\n}\n}\n' \
	'icmp type destination-unreachable drop' | inn 2 nft -f - || exit 1
inn 0 ip route flush cache
tps=
for cap in "0 a0 c" "2 b1 in" "2 a2 out"; do
	read -r i dev name <<<"$cap"
	ip netns exec "${NS[$i]}" tcpdump --immediate-mode -Z root -U -n -i "$dev" \
		-w "$work/$name.pcap" 2>"$work/$name.err" &
	tps="$tps $!"
	for _ in $(seq 100); do grep -q listening "$work/$name.err" && break; sleep 0.1; done
done
inn 0 "$build/netecho" --path -u --pmtu --hops --json 10.89.2.1 7001 >"$work/h.json" \
	2>"$work/h.err"
rc=$?
sleep 0.3
# shellcheck disable=SC2086
kill $tps; wait $tps 2>/dev/null
pmtu=$(jq -r '.pmtu' "$work/h.json")
echo "where: exit $rc, $(jq -c '{pmtu, pmtu_unknown, black_hole, icmp_from, black_hole_after}' "$work/h.json")"
while read -r mtu from; do
	seen=$(tcpdump -n -r "$work/c.pcap" 'icmp[0]=3 and icmp[1]=4' 2>/dev/null |
		grep -c "IP $from > .*need to frag (mtu $mtu)")
	te=$(tcpdump -n -r "$work/c.pcap" "icmp[0]=11 and src $from" 2>/dev/null | wc -l)
	verdict=holds
	[ "$seen" -gt 0 ] && [ "$te" -gt 0 ] || { verdict=WRONG; wrong=$((wrong + 1)); }
	echo "  too-big $mtu from $from: $seen such ICMPs captured, $te time exceeded" \
		"from it: $verdict"
done < <(jq -r '.icmp_from[] | "\(.mtu) \(.from)"' "$work/h.json")
after=$(jq -r '.black_hole_after.address // empty' "$work/h.json")
if [ -n "$after" ] && [ "$pmtu" != null ]; then
	in=$(tcpdump -n -r "$work/in.pcap" "ip[2:2] = $((pmtu + 1)) and ip[6]&0x40 != 0" \
		2>/dev/null | wc -l)
	out=$(tcpdump -n -r "$work/out.pcap" "ip[2:2] > $pmtu" 2>/dev/null | wc -l)
	verdict=holds
	[ "$after" = 10.89.1.1 ] && [ "$in" -gt 0 ] && [ "$out" -eq 0 ] ||
		{ verdict=WRONG; wrong=$((wrong + 1)); }
	echo "  black hole after $after: $in packets of $((pmtu + 1)) bytes came into R2" \
		"(10.89.1.1), $out larger than $pmtu left it: $verdict"
else
	echo "  black hole not located: $(jq -r '.black_hole_after_unknown' "$work/h.json")"
fi
echo "$wrong wrong in all"
[ "$wrong" -eq 0 ]
