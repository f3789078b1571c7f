# lab.sh: a network lab in namespaces, for tests/path.sh and
# scripts/pathlab.sh (sourced; needs root and iproute2, nft for rules):
#
#   client C  c0 10.0.1.2/24 2001:db8:1::2/64
#      |      veth
#   router R  r0 10.0.1.1    2001:db8:1::1   (forwards IPv4 and IPv6)
#             r1 10.0.2.1    2001:db8:2::1
#      |      veth
#   server S  s0 10.0.2.2/24 2001:db8:2::2/64
#
# lab_up: builds it (namespaces named after $$); 0, or 1 with a message
# on stderr. lab_down: removes it. in_c, in_r, in_s: a command in one of
# them. lab_rule [FAMILY HOOK RULE]: the router's only nftables rule.
# lab_for_test: in a test (tests/lib.sh): skips where the lab cannot be,
# builds it, and removes it at the end.

LAB_C=nec$$ LAB_R=ner$$ LAB_S=nes$$

in_c() { ip netns exec "$LAB_C" "$@"; }
in_r() { ip netns exec "$LAB_R" "$@"; }
in_s() { ip netns exec "$LAB_S" "$@"; }

lab_down() {
	ip netns del "$LAB_C"
	ip netns del "$LAB_R"
	ip netns del "$LAB_S"
} 2>/dev/null

lab_up() {
	local ns
	ip netns add "$LAB_C" && ip netns add "$LAB_R" && ip netns add "$LAB_S" || {
		echo "lab: cannot create named network namespaces" >&2
		return 1
	}
	{
		ip link add c0 netns "$LAB_C" type veth peer name r0 netns "$LAB_R" &&
		ip link add s0 netns "$LAB_S" type veth peer name r1 netns "$LAB_R" &&
		for ns in "$LAB_C" "$LAB_R" "$LAB_S"; do ip -n "$ns" link set lo up || exit 1; done &&
		ip -n "$LAB_C" addr add 10.0.1.2/24 dev c0 &&
		ip -n "$LAB_C" addr add 2001:db8:1::2/64 dev c0 nodad &&
		ip -n "$LAB_R" addr add 10.0.1.1/24 dev r0 &&
		ip -n "$LAB_R" addr add 2001:db8:1::1/64 dev r0 nodad &&
		ip -n "$LAB_R" addr add 10.0.2.1/24 dev r1 &&
		ip -n "$LAB_R" addr add 2001:db8:2::1/64 dev r1 nodad &&
		ip -n "$LAB_S" addr add 10.0.2.2/24 dev s0 &&
		ip -n "$LAB_S" addr add 2001:db8:2::2/64 dev s0 nodad &&
		ip -n "$LAB_C" link set c0 up && ip -n "$LAB_R" link set r0 up &&
		ip -n "$LAB_R" link set r1 up && ip -n "$LAB_S" link set s0 up &&
		ip -n "$LAB_C" route add default via 10.0.1.1 &&
		ip -n "$LAB_C" -6 route add default via 2001:db8:1::1 &&
		ip -n "$LAB_S" route add default via 10.0.2.1 &&
		ip -n "$LAB_S" -6 route add default via 2001:db8:2::1 &&
		in_r sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
		# the client's SYN asks for no ECN unless asked to, whatever the host says
		in_c sysctl -qw net.ipv4.tcp_ecn=0
	} || { echo "lab: cannot build it" >&2; return 1; }
	lab_reach -4 10.0.2.2 || { echo "lab: no route through the router (IPv4)" >&2; return 1; }
	lab_reach -6 2001:db8:2::2 ||
		{ echo "lab: no route through the router (IPv6)" >&2; return 1; }
}

# lab_reach -4|-6 ADDRESS: the client reaches ADDRESS through the router.
# A link just set up drops what it is sent until the kernel's link watch
# has run (a second, longer on a busy machine), and a neighbour that went
# unanswered meanwhile is given up on with the packet waiting for it: so
# one ping a second, up to 30, until one comes back.
lab_reach() {
	local i
	for i in $(seq 30); do
		in_c ping "$1" -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

# lab_rule [FAMILY HOOK RULE]: flushes the router's rules, then adds RULE
# to a chain on HOOK ("type nat hook postrouting priority 100") in a table
# of FAMILY (ip, ip6, inet). With no argument: no rule.
lab_rule() {
	in_r nft flush ruleset || return 1
	[ $# -eq 0 ] && return 0
	printf 'table %s lab {\n\tchain c {\n\t\t%s;\n\t\t%s\n\t}\n}\n' "$1" "$2" "$3" |
		in_r nft -f -
}

# lab_for_test: for a test (skip, fail and cleanup are tests/lib.sh's).
lab_for_test() {
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	command -v jq >/dev/null || skip "jq is not installed"
	ip netns add "nex$$" 2>/dev/null || skip "cannot create named network namespaces here"
	ip netns del "nex$$"
	trap 'rc=$?; lab_down; (exit $rc); cleanup' EXIT
	lab_up || fail "building the lab"
}
