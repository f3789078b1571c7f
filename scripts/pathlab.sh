#!/bin/bash
# pathlab.sh BUILDDIR [NETECHO-ARGS...]: the path report's lab for a
# person to look at (tests/path.sh is its test): a client, a router and a
# server in network namespaces (tests/lab.sh), the router doing to the
# traffic what a bad day's network does, all at once:
#   masquerade NAT, the DSCP remarked to 0, the ECN field cleared, the
#   SYN's MSS set to 1300 and its timestamps removed, the server's link at
#   MTU 1400 and ICMP "too big" dropped (a black hole).
# netechod serves on the server (the report on 7001); the client runs
#   netecho --path --dscp ef --pmtu [NETECHO-ARGS] 10.0.2.2 7001
# and the transcript is printed, with the daemon's log lines of it.
# Needs root, iproute2 and nftables; leaves nothing behind.
set -u
build=${1:?usage: pathlab.sh BUILDDIR [NETECHO-ARGS...]}
shift
here=$(cd "$(dirname "$0")/.." && pwd)
[ "$(id -u)" -eq 0 ] || { echo "pathlab: needs root" >&2; exit 1; }
command -v nft >/dev/null || { echo "pathlab: needs nft (nftables)" >&2; exit 1; }
. "$here/tests/lab.sh"
work=$(mktemp -d)
trap 'kill "$dpid" 2>/dev/null; wait 2>/dev/null; lab_down; rm -rf "$work"' EXIT
dpid=
lab_up || exit 1
in_r nft -f - <<'NFT' || exit 1
table inet lab {
	chain forward {
		type filter hook forward priority -150;
		ip dscp set cs0
		ip6 dscp set cs0
		ip ecn set not-ect
		ip6 ecn set not-ect
		tcp flags syn tcp option maxseg size set 1300
		tcp flags syn reset tcp option timestamp
	}
	chain output {
		type filter hook output priority 0;
		icmp type destination-unreachable drop
		icmpv6 type packet-too-big drop
	}
	chain nat {
		type nat hook postrouting priority 100;
		oifname r1 masquerade
	}
}
NFT
in_r ip link set r1 mtu 1400 && in_s ip link set s0 mtu 1400 || exit 1
printf '[server]\nhost = *\nport = 7000\n' >"$work/lab.conf"
ip netns exec "$LAB_S" "$build/netechod" -f -c "$work/lab.conf" 2>"$work/d.err" &
dpid=$!
for _ in $(seq 100); do grep -q 'started' "$work/d.err" && break; sleep 0.05; done
echo "\$ netecho --path --dscp ef --pmtu ${*:+$* }10.0.2.2 7001"
in_c "$build/netecho" --path --dscp ef --pmtu "$@" 10.0.2.2 7001
echo "(exit $?)"
kill "$dpid"
wait "$dpid" 2>/dev/null
dpid=
echo
echo "netechod's log:"
grep -E 'report tcp|report-probe' "$work/d.err" | sed 's/ data=".*//' | head -n 4
