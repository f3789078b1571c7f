# chain.sh: a lab of two routers in a row, for tests/pmtu.sh and
# tests/pmtuloss.sh (sourced after tests/lib.sh; needs root, iproute2 and
# nft):
#
#   client C   c0 10.0.1.2/24 2001:db8:1::2/64
#   router R1  r0 10.0.1.1    2001:db8:1::1
#              r1 10.0.2.1    2001:db8:2::1
#   router R2  q0 10.0.2.2    2001:db8:2::2
#              q1 10.0.3.1    2001:db8:3::1
#   server S   s0 10.0.3.2/24 2001:db8:3::2/64
#
# in_c, in_r1, in_r2, in_s: a command in one of them. chain_mtu LINK MTU:
# the MTU of link 1 (R1-R2) or 2 (R2-S), both ends. chain_rule ROUTER
# [RULE...]: the router's only nftables rules (one table inet lab, one
# chain per hook: "forward RULE" or "output RULE"); none when no rule.
# chain_for_test: skips where the lab cannot be, builds it, removes it
# at the end.

CH_C=nchc$$ CH_R1=nchr$$ CH_R2=nchq$$ CH_S=nchs$$

in_c() { ip netns exec "$CH_C" "$@"; }
in_r1() { ip netns exec "$CH_R1" "$@"; }
in_r2() { ip netns exec "$CH_R2" "$@"; }
in_s() { ip netns exec "$CH_S" "$@"; }

chain_down() {
	local ns
	for ns in "$CH_C" "$CH_R1" "$CH_R2" "$CH_S"; do ip netns del "$ns"; done
} 2>/dev/null

# chain_link NS1 IF1 NS2 IF2 NET4 NET6: a veth pair, .1 and ::1 on the
# first end, .2 and ::2 on the second
chain_link() {
	ip link add "$2" netns "$1" type veth peer name "$4" netns "$3" &&
	ip -n "$1" addr add "$5.1/24" dev "$2" && ip -n "$1" addr add "$6::1/64" dev "$2" nodad &&
	ip -n "$3" addr add "$5.2/24" dev "$4" && ip -n "$3" addr add "$6::2/64" dev "$4" nodad &&
	ip -n "$1" link set "$2" up && ip -n "$3" link set "$4" up
}

chain_up() {
	local ns
	for ns in "$CH_C" "$CH_R1" "$CH_R2" "$CH_S"; do
		ip netns add "$ns" && ip -n "$ns" link set lo up || return 1
	done
	chain_link "$CH_R1" r0 "$CH_C" c0 10.0.1 2001:db8:1 &&
	chain_link "$CH_R1" r1 "$CH_R2" q0 10.0.2 2001:db8:2 &&
	chain_link "$CH_R2" q1 "$CH_S" s0 10.0.3 2001:db8:3 &&
	ip -n "$CH_C" route add default via 10.0.1.1 &&
	ip -n "$CH_C" -6 route add default via 2001:db8:1::1 &&
	ip -n "$CH_R1" route add 10.0.3.0/24 via 10.0.2.2 &&
	ip -n "$CH_R1" -6 route add 2001:db8:3::/64 via 2001:db8:2::2 &&
	ip -n "$CH_R2" route add 10.0.1.0/24 via 10.0.2.1 &&
	ip -n "$CH_R2" -6 route add 2001:db8:1::/64 via 2001:db8:2::1 &&
	ip -n "$CH_S" route add default via 10.0.3.1 &&
	ip -n "$CH_S" -6 route add default via 2001:db8:3::1 &&
	in_r1 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 &&
	in_r2 sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 || return 1
	chain_reach -4 10.0.3.2 && chain_reach -6 2001:db8:3::2
}

# chain_reach -4|-6 ADDRESS: one ping a second, up to 30, until one comes
# back (a link just set up drops what it is sent for a while)
chain_reach() {
	local i
	for i in $(seq 30); do
		in_c ping "$1" -c 1 -W 1 "$2" >/dev/null 2>&1 && return 0
	done
	return 1
}

chain_mtu() {
	if [ "$1" = 1 ]; then
		ip -n "$CH_R1" link set r1 mtu "$2" && ip -n "$CH_R2" link set q0 mtu "$2"
	else
		ip -n "$CH_R2" link set q1 mtu "$2" && ip -n "$CH_S" link set s0 mtu "$2"
	fi
	# what the client's kernel learnt of the path is forgotten
	in_c ip route flush cache >/dev/null 2>&1
	in_c ip -6 route flush cache >/dev/null 2>&1
	return 0
}

chain_rule() {
	local ns=$CH_R1 r hook
	[ "$1" = 2 ] && ns=$CH_R2
	shift
	ip netns exec "$ns" nft flush ruleset || return 1
	[ $# -eq 0 ] && return 0
	{
		echo "table inet lab {"
		for hook in forward output; do
			echo "	chain $hook {"
			echo "		type filter hook $hook priority 0;"
			for r in "$@"; do
				case $r in "$hook "*) echo "		${r#"$hook "}" ;; esac
			done
			echo "	}"
		done
		echo "}"
	} | ip netns exec "$ns" nft -f -
}

chain_for_test() {
	command -v nft >/dev/null || skip "nft (nftables) is not installed"
	command -v jq >/dev/null || skip "jq is not installed"
	ip netns add "nchx$$" 2>/dev/null || skip "cannot create named network namespaces here"
	ip netns del "nchx$$"
	trap 'rc=$?; chain_down; (exit $rc); cleanup' EXIT
	chain_up || fail "building the lab of two routers"
}

# chain_probers [LINE...]: a target netechod on the server (echo on 7000,
# its report service on 7001) and a prober on the client, /probe on
# 127.0.0.1:7200 with the module "mtu path pmtu=yes"; each LINE more goes
# in the prober's [metrics] (its probe_allow, say). The prober's pid in
# DPID, its stderr in $T/d.err, the target's in $T/s.err.
chain_probers() {
	local cfg
	cfg=$(printf '[server]\nhost = *\nport = 7000\n[log]\nlevel = notice\n' | conf target)
	: >"$T/s.err"
	ip netns exec "$CH_S" "$NETECHOD" -f -c "$cfg" >"$T/s.out" 2>"$T/s.err" &
	BG_PIDS="$BG_PIDS $!"
	wait_for "$T/s.err" 'netechod [0-9.]+ started'
	cfg=$({
		printf '[server]\nhost = 127.0.0.1\nport = 7000\n'
		printf '[metrics]\nenabled = yes\nport = 7200\nmodule = mtu path pmtu=yes\n'
		printf '%s\n' "$@"
		printf '[log]\nlevel = notice\n'
	} | conf prober)
	: >"$T/d.err"
	ip netns exec "$CH_C" "$NETECHOD" -f -c "$cfg" >"$T/d.out" 2>"$T/d.err" &
	DPID=$!
	wait_for "$T/d.err" 'netechod [0-9.]+ started'
}
